import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiToken, AuthService, FirstRun, Principal, User } from '../../auth/index.js';
import { AppError, ErrorCode } from '../../errors.js';
import { mayReadLogs, sameOrigin, type AccessPolicy } from '../access-guard.js';
import { journaled, noteChange } from '../journal-hook.js';
import { journalObject } from '../../audit/index.js';
import { readCookie, SESSION_COOKIE, setSessionCookie, type CookiePolicy } from '../credentials.js';
import {
  AuthApi,
  type ApiToken as ApiTokenJson,
  type Principal as PrincipalJson,
  type UserRecord,
} from '../wire/auth.js';
import { isoTime, isoTimeOrNull } from './wire-time.js';

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
  /** The access guard's policy: /api/me says what it allows. */
  policy: AccessPolicy;
}

export const userJson = (u: User): UserRecord => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  created_at: isoTime(u.created_at),
  password_changed_at: isoTime(u.password_changed_at),
});

export const tokenJson = (t: ApiToken): ApiTokenJson => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  user_id: t.user_id,
  role: t.role,
  scope: t.scope,
  created_at: isoTime(t.created_at),
  expires_at: isoTimeOrNull(t.expires_at),
  last_used_at: isoTimeOrNull(t.last_used_at),
  revoked_at: isoTimeOrNull(t.revoked_at),
});

const principalJson = (p: Principal, policy: AccessPolicy): PrincipalJson => ({
  id: p.user_id,
  username: p.name,
  role: p.role,
  via: p.via,
  can_read_logs: mayReadLogs(p, policy),
});

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
  const { policy } = deps;
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

    app.get('/api/setup', { config: { public: true }, schema: AuthApi.setupNeeded }, async () => ({
      needed: await deps.firstRun.needed(),
    }));

    app.post(
      '/api/setup',
      { config: { public: true, journal: false }, schema: AuthApi.setup },
      async (request, reply) => {
        refuseCrossSite(request);
        const user = await deps.firstRun.claim(request.body);
        return reply.status(201).send({ user: userJson(user) });
      },
    );

    app.post(
      '/api/login',
      { config: { public: true, journal: false }, schema: AuthApi.login },
      async (request, reply) => {
        refuseCrossSite(request);
        const session = await deps.auth.login({
          ...request.body,
          ip: request.ip,
          user_agent: request.headers['user-agent'],
        });
        const maxAge = Math.floor((session.expires_at - Date.now()) / 1000);
        setSessionCookie(request, reply, deps.cookie, session.token, maxAge);
        return { user: userJson(session.user), expires_at: isoTime(session.expires_at) };
      },
    );

    app.post(
      '/api/logout',
      { config: { access: 'viewer', journal: { action: 'auth.logout' } }, schema: AuthApi.logout },
      async (request, reply) => {
        const who = signedIn(request);
        if (who.user_id !== null) noteChange(request, { object: journalObject.user(who.user_id) });
        const token = readCookie(request, SESSION_COOKIE);
        if (token) await deps.auth.logout(token);
        setSessionCookie(request, reply, deps.cookie, '', 0);
        return reply.status(204).send();
      },
    );

    app.get('/api/me', { schema: AuthApi.me }, async (request) => ({
      user: principalJson(signedIn(request), policy),
    }));

    app.post(
      '/api/me/password',
      {
        config: { access: 'viewer', journal: { action: 'user.update' } },
        schema: AuthApi.changePassword,
      },
      async (request, reply) => {
        const who = signedIn(request);
        if (who.via !== 'session' || who.user_id === null)
          throw new AppError(ErrorCode.Forbidden, 'sign in with a password to change it');
        noteChange(request, {
          object: journalObject.user(who.user_id),
          details: { changed: ['password'] },
        });
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

    app.get('/api/users', { schema: AuthApi.users }, async () => ({
      items: (await deps.auth.listUsers()).map(userJson),
      next: null,
    }));

    app.post(
      '/api/users',
      { ...journaled('user.create'), schema: AuthApi.createUser },
      async (request, reply) => {
        interactive(request);
        const user = await deps.auth.createUser(request.body);
        noteChange(request, { object: journalObject.user(user.id), after: userJson(user) });
        return reply.status(201).send(userJson(user));
      },
    );

    app.patch(
      '/api/users/:id',
      { ...journaled('user.update'), schema: AuthApi.updateUser },
      async (request) => {
        interactive(request);
        const user = userJson(await deps.auth.updateUser(request.params.id, request.body));
        noteChange(request, {
          object: journalObject.user(user.id),
          after: user,
          details: { changed: Object.keys(request.body) },
        });
        return user;
      },
    );

    app.get('/api/tokens', { config: { access: 'admin' }, schema: AuthApi.tokens }, async () => ({
      items: (await deps.auth.listTokens()).map(tokenJson),
      next: null,
    }));

    app.post(
      '/api/tokens',
      { ...journaled('token.create'), schema: AuthApi.createToken },
      async (request, reply) => {
        const who = interactive(request);
        if (who.user_id === null)
          throw new AppError(ErrorCode.Forbidden, 'no user to own the token');
        const { token, info } = await deps.auth.createToken(request.body, { user_id: who.user_id });
        noteChange(request, { object: journalObject.token(info.id), after: tokenJson(info) });
        // The only time the token is shown.
        return reply.status(201).send({ ...tokenJson(info), token });
      },
    );

    app.delete(
      '/api/tokens/:id',
      { ...journaled('token.revoke'), schema: AuthApi.revokeToken },
      async (request) => {
        interactive(request);
        const token = tokenJson(await deps.auth.revokeToken(request.params.id));
        noteChange(request, { object: journalObject.token(token.id), after: token });
        return token;
      },
    );
  };
}
