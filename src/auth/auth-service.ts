import { journalObject } from '../audit/object-id.js';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import { sleep } from '../sleep.js';
import { HashGate } from './hash-gate.js';
import { LoginThrottle } from './login-throttle.js';
import { ROLES, TOKEN_SCOPES, type ApiToken, type User } from './model.js';
import {
  decoyHash,
  hashPassword,
  validatePassword,
  verifyPassword,
  type ScryptParams,
} from './password.js';
import type { Principal, Role, TokenScope } from './principal.js';
import { newSecretToken, tokenHash } from './secret-token.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { SessionRepository } from './session-repository.js';
import { TokenRepository } from './token-repository.js';
import { UserRepository } from './user-repository.js';

/** Where sign-ins and account changes are recorded (the operations journal). */
export interface AuthJournal {
  record(entry: {
    source: 'auth';
    actor: string;
    action: string;
    object?: string;
    success: boolean;
    error_code?: string;
    details?: Record<string, unknown>;
  }): void;
}

export interface AuthOptions {
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  /**
   * The scrypt cost of new password hashes; SCRYPT_PARAMS unless a test lowers it to
   * stay fast (a hash carries its own cost, so verifying never depends on this).
   */
  passwordCost?: Readonly<ScryptParams>;
}

export interface AuthDeps {
  users: UserRepository;
  sessions: SessionRepository;
  tokens: TokenRepository;
  journal: AuthJournal;
  log: Logger;
  options: AuthOptions;
  throttle?: LoginThrottle;
  now?: () => number;
}

export interface NewSession {
  token: string;
  user: User;
  expires_at: number;
}

/** A session's last_used_at is written at most this often: not on every request. */
const TOUCH_EVERY_MS = 60_000;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function validateUsername(field: string, username: unknown): string {
  if (typeof username !== 'string' || !USERNAME.test(username))
    throw AppError.validation(
      field,
      'must be 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit',
    );
  return username;
}

function validateRole(field: string, role: unknown): Role {
  if (!ROLES.includes(role as Role))
    throw AppError.validation(field, `must be one of ${ROLES.join(', ')}`);
  return role as Role;
}

const denied = () => new AppError(ErrorCode.AuthRequired, 'wrong username or password');

const throttled = (retryAfterMs: number) =>
  new AppError(ErrorCode.LoginThrottled, 'too many failed sign-ins; try again later', {
    details: { retry_after_seconds: Math.ceil(retryAfterMs / 1000) },
  });

/** Users, sessions and API tokens: who may act, and proof of it. */
export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly gate = new HashGate();
  /** Sessions and tokens whose last use is being written: one write each at a time. */
  /** Last-use writes in flight, by session or token: one at a time for each. */
  private readonly touching = new Map<string, Promise<void>>();

  constructor(private readonly deps: AuthDeps) {
    this.throttle = deps.throttle ?? new LoginThrottle();
  }

  /** The service over its three tables in one database. */
  static forDatabase(
    db: Kysely<Database>,
    deps: Omit<AuthDeps, 'users' | 'sessions' | 'tokens'>,
  ): AuthService {
    return new AuthService({
      ...deps,
      users: new UserRepository(db),
      sessions: new SessionRepository(db),
      tokens: new TokenRepository(db),
    });
  }

  /** Deletes sessions past their limits (they are refused anyway; this keeps the table small). */
  pruneSessions(): Promise<number> {
    return this.deps.sessions.prune(this.now(), this.deps.options.sessionIdleMs);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  hasUsers(): Promise<boolean> {
    return this.deps.users.count().then((n) => n > 0);
  }

  listUsers(): Promise<User[]> {
    return this.deps.users.list();
  }

  async createUser(input: { username: unknown; password: unknown; role?: unknown }): Promise<User> {
    const username = validateUsername('username', input.username);
    const password = validatePassword('password', input.password);
    const role = input.role === undefined ? 'viewer' : validateRole('role', input.role);
    if (await this.deps.users.findForLogin(username))
      throw new AppError(ErrorCode.Conflict, `user ${username} exists already`, {
        field: 'username',
      });
    return this.deps.users.insert({
      username,
      password_hash: await hashPassword(password, this.deps.options.passwordCost),
      role,
      now: this.now(),
    });
  }

  async findUser(username: string): Promise<User> {
    const found = await this.deps.users.findForLogin(username);
    if (!found) throw AppError.notFound('user', username);
    return found.user;
  }

  /**
   * Changes role, disabled or password. A new password or disabling revokes every
   * session and token of the user; the last active admin cannot be demoted or disabled.
   */
  async updateUser(
    id: number,
    input: { role?: unknown; disabled?: unknown; password?: unknown },
  ): Promise<User> {
    const current = await this.deps.users.get(id);
    if (!current) throw AppError.notFound('user', id);
    const role = input.role === undefined ? undefined : validateRole('role', input.role);
    if (input.disabled !== undefined && typeof input.disabled !== 'boolean')
      throw AppError.validation('disabled', 'must be true or false');
    const disabled = input.disabled as boolean | undefined;
    const password =
      input.password === undefined ? undefined : validatePassword('password', input.password);
    const updated = await this.deps.users.update(
      id,
      {
        role,
        disabled,
        password_hash:
          password === undefined
            ? undefined
            : await hashPassword(password, this.deps.options.passwordCost),
      },
      this.now(),
    );
    if (updated === 'last-admin')
      throw new AppError(ErrorCode.Conflict, 'the last active admin cannot be demoted or disabled');
    if (!updated) throw AppError.notFound('user', id);
    return updated;
  }

  /** Guessing the current password is throttled like a sign-in, keyed by the user. */
  async changeOwnPassword(userId: number, current: unknown, next: unknown): Promise<User> {
    const user = await this.deps.users.get(userId);
    if (!user) throw AppError.notFound('user', userId);
    const key = `user:${userId}`;
    const verdict = this.throttle.attempt(key, user.username, this.now());
    if (verdict.locked) throw throttled(verdict.retryAfterMs);
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    const found = await this.deps.users.findForLogin(user.username);
    const ok =
      typeof current === 'string' &&
      found !== null &&
      (await this.gate.run(() => verifyPassword(current, found.password_hash)));
    if (!ok) throw AppError.validation('current_password', 'is not your current password');
    this.throttle.succeeded(key, user.username);
    return this.updateUser(userId, { password: next });
  }

  /** Checks the password under the throttle; a new session on success. */
  async login(input: {
    username: unknown;
    password: unknown;
    ip: string;
    user_agent?: string;
  }): Promise<NewSession> {
    const username = typeof input.username === 'string' ? input.username.slice(0, 64) : '';
    const verdict = this.throttle.attempt(input.ip, username, this.now());
    if (verdict.locked) {
      const known = username === '' ? null : await this.deps.users.findForLogin(username);
      this.journalLogin(known?.user ?? null, input.ip, false, ErrorCode.LoginThrottled);
      throw throttled(verdict.retryAfterMs);
    }
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    const found = username ? await this.deps.users.findForLogin(username) : null;
    const password = typeof input.password === 'string' ? input.password : '';
    const ok = await this.gate.run(async () =>
      verifyPassword(password, found?.password_hash ?? (await decoyHash())),
    );
    if (!found || !ok || found.user.disabled) {
      this.journalLogin(found?.user ?? null, input.ip, false, ErrorCode.AuthRequired);
      throw denied();
    }
    this.throttle.succeeded(input.ip, username);
    const token = newSecretToken();
    const now = this.now();
    const expires_at = now + this.deps.options.sessionAbsoluteMs;
    await this.deps.sessions.insert({
      id: tokenHash(token),
      user_id: found.user.id,
      created_at: now,
      last_used_at: now,
      expires_at,
      ip: input.ip,
      user_agent: input.user_agent?.slice(0, 256) ?? null,
    });
    this.journalLogin(found.user, input.ip, true);
    return { token, user: found.user, expires_at };
  }

  async logout(sessionToken: string): Promise<void> {
    await this.deps.sessions.delete(tokenHash(sessionToken));
  }

  /** The principal of a session cookie's token, or null when it is not (or no longer) valid. */
  async sessionPrincipal(token: string): Promise<Principal | null> {
    const id = tokenHash(token);
    const found = await this.deps.sessions.find(id);
    if (!found) return null;
    const { session, user } = found;
    const now = this.now();
    const idle = now - session.last_used_at > this.deps.options.sessionIdleMs;
    if (
      user.disabled ||
      session.expires_at <= now ||
      idle ||
      session.created_at < user.password_changed_at
    ) {
      await this.deps.sessions.delete(id);
      return null;
    }
    if (now - session.last_used_at > TOUCH_EVERY_MS)
      this.touchBestEffort(`session:${id}`, () => this.deps.sessions.touch(id, now));
    return {
      via: 'session',
      user_id: user.id,
      name: user.username,
      role: user.role,
      scope: 'full',
    };
  }

  async createToken(
    input: { name: unknown; role?: unknown; scope?: unknown; expires_at?: unknown },
    creator: { user_id: number },
  ): Promise<{ token: string; info: ApiToken }> {
    if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 100)
      throw AppError.validation('name', 'must be 1 to 100 characters');
    const scope = input.scope === undefined ? 'full' : input.scope;
    if (!TOKEN_SCOPES.includes(scope as TokenScope))
      throw AppError.validation('scope', `must be one of ${TOKEN_SCOPES.join(', ')}`);
    const role: Role =
      scope === 'metrics' || input.role === undefined ? 'viewer' : validateRole('role', input.role);
    const owner = await this.deps.users.get(creator.user_id);
    if (!owner) throw AppError.notFound('user', creator.user_id);
    if (role === 'admin' && owner.role !== 'admin')
      throw AppError.validation('role', `cannot exceed the owner's role (${owner.role})`);
    const now = this.now();
    let expires_at: number | null = null;
    if (input.expires_at !== undefined && input.expires_at !== null) {
      const t = typeof input.expires_at === 'string' ? Date.parse(input.expires_at) : NaN;
      if (!Number.isFinite(t)) throw AppError.validation('expires_at', 'must be an RFC 3339 time');
      if (t <= now) throw AppError.validation('expires_at', 'must be in the future');
      expires_at = t;
    }
    const token = newSecretToken();
    const info = await this.deps.tokens.insert({
      name: input.name.trim(),
      token_hash: tokenHash(token),
      prefix: token.slice(0, 10),
      user_id: creator.user_id,
      role,
      scope: scope as TokenScope,
      created_at: now,
      expires_at,
    });
    return { token, info };
  }

  listTokens(): Promise<ApiToken[]> {
    return this.deps.tokens.list();
  }

  async revokeToken(id: number): Promise<ApiToken> {
    const token = await this.deps.tokens.revoke(id, this.now());
    if (!token) throw AppError.notFound('token', id);
    return token;
  }

  /** The principal of a bearer token, or null when it is unknown, expired or revoked. */
  async tokenPrincipal(token: string): Promise<Principal | null> {
    const found = await this.deps.tokens.findByHash(tokenHash(token));
    if (!found) return null;
    const { token: info, owner } = found;
    const now = this.now();
    if (info.revoked_at !== null || owner.disabled) return null;
    if (info.expires_at !== null && info.expires_at <= now) return null;
    if (info.created_at < owner.password_changed_at) return null;
    if (info.last_used_at === null || now - info.last_used_at > TOUCH_EVERY_MS)
      this.touchBestEffort(`token:${info.id}`, () => this.deps.tokens.touch(info.id, now));
    // A token never acts above its owner's current role.
    const role: Role = owner.role === 'admin' ? info.role : 'viewer';
    return { via: 'token', user_id: owner.id, name: `token:${info.name}`, role, scope: info.scope };
  }

  /**
   * Records that a session or token was used, without making the request wait for it:
   * a read must work while the database takes no writes (a full disk, a foreign lock),
   * and a lost touch only makes the idle timeout count from an earlier use.
   */
  private touchBestEffort(key: string, touch: () => Promise<void>): void {
    if (this.touching.has(key)) return;
    const written = touch()
      .catch((err: unknown) => this.deps.log.debug({ err }, 'could not record last use'))
      .finally(() => this.touching.delete(key));
    this.touching.set(key, written);
  }

  /** Resolves once the last-use writes in flight have ended (written or given up). */
  async lastUseRecorded(): Promise<void> {
    await Promise.all(this.touching.values());
  }

  /** `user` is null when no such user exists: what was typed may be a password. */
  private journalLogin(
    user: Pick<User, 'id' | 'username'> | null,
    ip: string,
    success: boolean,
    error_code?: string,
  ): void {
    this.deps.journal.record({
      source: 'auth',
      actor: user?.username ?? '(unknown)',
      action: success ? 'auth.login' : 'auth.login_failed',
      ...(user ? { object: journalObject.user(user.id) } : {}),
      success,
      ...(error_code ? { error_code } : {}),
      details: { ip },
    });
  }
}
