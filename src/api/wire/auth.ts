import { Type, type Static } from '@sinclair/typebox';
import { ROLES, TOKEN_SCOPES } from '../../auth/model.js';
import { errors } from './errors.js';
import { Enum, IdParam, IsoTime, NoContent, Nullable, Page } from './shapes.js';

export const Role = Enum(ROLES);
export const TokenScope = Enum(TOKEN_SCOPES, {
  description: 'full: what the role allows; metrics: only GET /metrics.',
});

/** Who a request acts as (`GET /api/me`). */
export const Principal = Type.Object({
  id: Nullable(Type.Integer()),
  username: Type.String({ description: 'The user name, or `token:<name>` for an API token.' }),
  role: Role,
  via: Enum(['session', 'token'] as const, {
    description: 'How the request proved who it is: a session cookie or an API token.',
  }),
  can_read_logs: Type.Boolean({
    description:
      'Whether it may read container logs: admins always, viewers when auth.viewers_read_logs is on.',
  }),
});
export type Principal = Static<typeof Principal>;

export const UserRecord = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  created_at: IsoTime(),
  password_changed_at: IsoTime(),
});
export type UserRecord = Static<typeof UserRecord>;

export const ApiToken = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: '`lw_` and its first characters: enough to recognise it.' }),
  user_id: Type.Integer({ description: 'The user the token acts for.' }),
  role: Role,
  scope: TokenScope,
  created_at: IsoTime(),
  expires_at: Nullable(IsoTime()),
  last_used_at: Nullable(IsoTime()),
  revoked_at: Nullable(IsoTime()),
});
export type ApiToken = Static<typeof ApiToken>;

export const CreatedToken = Type.Composite([
  ApiToken,
  Type.Object({ token: Type.String({ description: 'The token itself: shown this once.' }) }),
]);
export type CreatedToken = Static<typeof CreatedToken>;

/** Types only; the service checks values and names the field. */
export const Credentials = Type.Object(
  { username: Type.String(), password: Type.String() },
  { additionalProperties: false },
);
export type Credentials = Static<typeof Credentials>;
export const SetupBody = Type.Object(
  {
    token: Type.String({
      description: 'The one-time setup token from the log or data/setup-token.',
    }),
    username: Type.String(),
    password: Type.String(),
  },
  { additionalProperties: false },
);
export type SetupBody = Static<typeof SetupBody>;
export const NewUser = Type.Object(
  { username: Type.String(), password: Type.String(), role: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type NewUser = Static<typeof NewUser>;
export const UserPatch = Type.Object(
  {
    role: Type.Optional(Type.String()),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type UserPatch = Static<typeof UserPatch>;
export const PasswordChange = Type.Object(
  { current_password: Type.String(), new_password: Type.String() },
  { additionalProperties: false },
);
export type PasswordChange = Static<typeof PasswordChange>;
export const NewToken = Type.Object(
  {
    name: Type.String(),
    role: Type.Optional(Type.String()),
    scope: Type.Optional(Type.String()),
    expires_at: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
);
export type NewToken = Static<typeof NewToken>;

const session = ['session'];
const users = ['users and tokens'];

export const AuthApi = {
  setupNeeded: {
    tags: session,
    summary: 'Whether the first admin is still to be created',
    response: { 200: Type.Object({ needed: Type.Boolean() }) },
  },
  setup: {
    tags: session,
    summary: 'Create the first admin with the setup token',
    body: SetupBody,
    response: { 201: Type.Object({ user: UserRecord }), ...errors(400, 403, 409) },
  },
  login: {
    tags: session,
    summary: 'Sign in: sets the session cookie',
    body: Credentials,
    response: {
      200: Type.Object({ user: UserRecord, expires_at: IsoTime() }),
      ...errors(400, 401, 403, 429),
    },
  },
  logout: {
    tags: session,
    summary: 'Sign out: ends this session',
    response: { 204: NoContent },
  },
  me: {
    tags: session,
    summary: 'Who the request acts as',
    response: { 200: Type.Object({ user: Principal }) },
  },
  changePassword: {
    tags: session,
    summary: 'Change your own password (signs out every session)',
    body: PasswordChange,
    response: { 204: NoContent, ...errors(400, 403, 404, 429) },
  },
  users: { tags: users, summary: 'Users', response: { 200: Page(UserRecord) } },
  createUser: {
    tags: users,
    summary: 'Add a user (from a signed-in session)',
    body: NewUser,
    response: { 201: UserRecord, ...errors(400, 409) },
  },
  updateUser: {
    tags: users,
    summary: "Change a user's role, password or disabled flag (from a signed-in session)",
    params: IdParam,
    body: UserPatch,
    response: { 200: UserRecord, ...errors(400, 404, 409) },
  },
  tokens: { tags: users, summary: 'API tokens', response: { 200: Page(ApiToken) } },
  createToken: {
    tags: users,
    summary: 'Create an API token for yourself (from a signed-in session)',
    body: NewToken,
    response: { 201: CreatedToken, ...errors(400, 404) },
  },
  revokeToken: {
    tags: users,
    summary: 'Revoke an API token (from a signed-in session)',
    params: IdParam,
    response: { 200: ApiToken, ...errors(404) },
  },
};
