import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiToken, AuthService, FirstRun, Principal, User } from '../../auth/index.js';
import { AppError, ErrorCode } from '../../errors.js';
import { sameOrigin } from '../access-guard.js';
import { noteChange } from '../journal-hook.js';
import { readCookie, SESSION_COOKIE, setSessionCookie, type CookiePolicy } from '../credentials.js';

export interface AuthApiDeps {
  auth: Pick<
    AuthService,
    | 'login'
    | 'logout'
    | 'listUsers'
    | 'createUser'
    | 'updateUser'
    | 'changeOwnPassword'
    | 'createToken'
    | 'listTokens'
    | 'revokeToken'
  >;
  firstRun: Pick<FirstRun, 'needed' | 'claim'>;
  cookie: CookiePolicy;
  publicUrl: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const userJson = (u: User) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  created_at: iso(u.created_at),
  password_changed_at: iso(u.password_changed_at),
});

export const tokenJson = (t: ApiToken) => ({
  ...t,
  created_at: iso(t.created_at),
  expires_at: iso(t.expires_at),
  last_used_at: iso(t.last_used_at),
  revoked_at: iso(t.revoked_at),
});

const principalJson = (p: Principal) => ({
  id: p.user_id,
  username: p.name,
  role: p.role,
  via: p.via,
});

/** Types only; the service checks values and names the field. */
const Credentials = Type.Object(
  { username: Type.String(), password: Type.String() },
  { additionalProperties: false },
);
const SetupBody = Type.Object(
  { token: Type.String(), username: Type.String(), password: Type.String() },
  { additionalProperties: false },
);
const NewUser = Type.Object(
  { username: Type.String(), password: Type.String(), role: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const UserPatch = Type.Object(
  {
    role: Type.Optional(Type.String()),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const PasswordChange = Type.Object(
  { current_password: Type.String(), new_password: Type.String() },
  { additionalProperties: false },
);
const NewToken = Type.Object(
  {
    name: Type.String(),
    role: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    expires_at: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });

function signedIn(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError(ErrorCode.AuthRequired, 'authentication required');
  return request.principal;
}

/**
 * Accounts and tokens are managed from a signed-in session (or the CLI), not with a
 * token: a leaked token must not mint lasting tokens or reset passwords.
 */
function interactive(request: FastifyRequest): Principal {
  const who = signedIn(request);
  if (who.via !== 'session')
    throw new AppError(
      ErrorCode.Forbidden,
      'users and tokens are managed from a signed-in session or the CLI, not with an API token',
    );
  return who;
}

export function authRoutes(deps: AuthApiDeps) {
  const publicOrigin = deps.publicUrl ? new URL(deps.publicUrl).origin : null;
  // A browser always sends Origin on a cross-site POST: refuse login CSRF too.
  const refuseCrossSite = (request: FastifyRequest) => {
    if (request.headers.origin !== undefined && !sameOrigin(request, publicOrigin))
      throw new AppError(
        ErrorCode.CrossOrigin,
        'cross-origin request refused: Origin must be this server',
      );
  };

  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/setup', { config: { public: true } }, async () => ({
      needed: await deps.firstRun.needed(),
    }));

    app.post(
      '/api/setup',
      { config: { public: true }, schema: { body: SetupBody } },
      async (request, reply) => {
        refuseCrossSite(request);
        const user = await deps.firstRun.claim(request.body);
        return reply.status(201).send({ user: userJson(user) });
      },
    );

    app.post(
      '/api/login',
      { config: { public: true }, schema: { body: Credentials } },
      async (request, reply) => {
        refuseCrossSite(request);
        const session = await deps.auth.login({
          ...request.body,
          ip: request.ip,
          user_agent: request.headers['user-agent'],
        });
        const maxAge = Math.floor((session.expires_at - Date.now()) / 1000);
        setSessionCookie(request, reply, deps.cookie, session.token, maxAge);
        return { user: userJson(session.user), expires_at: iso(session.expires_at) };
      },
    );

    app.post('/api/logout', { config: { access: 'viewer' } }, async (request, reply) => {
      const token = readCookie(request, SESSION_COOKIE);
      if (token) await deps.auth.logout(token);
      setSessionCookie(request, reply, deps.cookie, '', 0);
      return reply.status(204).send();
    });

    app.get('/api/me', async (request) => ({ user: principalJson(signedIn(request)) }));

    app.post(
      '/api/me/password',
      { config: { access: 'viewer' }, schema: { body: PasswordChange } },
      async (request, reply) => {
        const who = signedIn(request);
        if (who.via !== 'session' || who.user_id === null)
          throw new AppError(ErrorCode.Forbidden, 'sign in with a password to change it');
        await deps.auth.changeOwnPassword(
          who.user_id,
          request.body.current_password,
          request.body.new_password,
        );
        // Every session of the user was revoked, this one too.
        setSessionCookie(request, reply, deps.cookie, '', 0);
        return reply.status(204).send();
      },
    );

    app.get('/api/users', async () => ({
      items: (await deps.auth.listUsers()).map(userJson),
      next: null,
    }));

    app.post('/api/users', { schema: { body: NewUser } }, async (request, reply) => {
      interactive(request);
      const user = await deps.auth.createUser(request.body);
      noteChange(request, { object: `user:${user.id}`, after: userJson(user) });
      return reply.status(201).send(userJson(user));
    });

    app.patch(
      '/api/users/:id',
      { schema: { params: IdParam, body: UserPatch } },
      async (request) => {
        interactive(request);
        const user = userJson(await deps.auth.updateUser(request.params.id, request.body));
        noteChange(request, {
          object: `user:${user.id}`,
          after: user,
          details: { changed: Object.keys(request.body) },
        });
        return user;
      },
    );

    app.get('/api/tokens', { config: { access: 'admin' } }, async () => ({
      items: (await deps.auth.listTokens()).map(tokenJson),
      next: null,
    }));

    app.post('/api/tokens', { schema: { body: NewToken } }, async (request, reply) => {
      const who = interactive(request);
      if (who.user_id === null) throw new AppError(ErrorCode.Forbidden, 'no user to own the token');
      const { token, info } = await deps.auth.createToken(request.body, { user_id: who.user_id });
      noteChange(request, { object: `token:${info.id}`, after: tokenJson(info) });
      // The only time the token is shown.
      return reply.status(201).send({ ...tokenJson(info), token });
    });

    app.delete('/api/tokens/:id', { schema: { params: IdParam } }, async (request) => {
      interactive(request);
      const token = tokenJson(await deps.auth.revokeToken(request.params.id));
      noteChange(request, { object: `token:${token.id}`, after: token });
      return token;
    });
  };
}
