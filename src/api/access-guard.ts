import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.js';
import { AppError, ErrorCode } from '../errors.js';

/** Turns a request's credentials (cookie or bearer token) into who it acts as. */
export interface Authenticator {
  /** The principal the request proves, or null when it carries no valid credential. */
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

/**
 * What a route needs. Reads default to `viewer`, writes to `admin`; `metrics` is the
 * only thing a metrics-scoped token may reach; `logs` is reading containers' log lines
 * (live, history, download): admins always, viewers only where the install allows it
 * (`auth.viewers_read_logs`), as logs often hold secrets the events do not.
 */
export type Access = 'viewer' | 'admin' | 'metrics' | 'logs';

/** What the install allows beyond the roles themselves. */
export interface AccessPolicy {
  /** Whether viewers may read logs (`auth.viewers_read_logs`); asked per request. */
  viewersReadLogs(): boolean;
}

/** Without a policy, log access stays closed to viewers. */
export const CLOSED_POLICY: AccessPolicy = { viewersReadLogs: () => false };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route anyone may call (health checks, login, setup, UI assets). */
    public?: boolean;
    access?: Access;
    /** A long-lived stream (SSE): a cookie-authenticated one must be same-origin. */
    stream?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AccessGuardOptions {
  authenticator: Authenticator;
  /** The configured public URL (behind a proxy), also accepted as an origin. */
  publicUrl?: string | null;
  /** Defaults to CLOSED_POLICY. */
  policy?: AccessPolicy;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * One hook guards every route, so a route added later is closed unless it says it is
 * public: authentication, role, token scope and, for cookie sessions, the origin.
 */
export function registerAccessGuard(app: FastifyInstance, options: AccessGuardOptions): void {
  const publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : null;
  const policy = options.policy ?? CLOSED_POLICY;
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config ?? {};
    if (config.public) return;
    const principal = await options.authenticator.authenticate(request);
    if (!principal) throw new AppError(ErrorCode.AuthRequired, 'authentication required');
    request.principal = principal;
    const isRead = READ_METHODS.has(request.method);
    const refusal = refusalOf(principal, routeAccess(request), policy);
    if (refusal) throw new AppError(ErrorCode.Forbidden, refusal);
    const checkOrigin = principal.via === 'session' && (!isRead || config.stream);
    if (checkOrigin && !sameOrigin(request, publicOrigin, { requireProof: !isRead }))
      throw new AppError(
        ErrorCode.CrossOrigin,
        'cross-origin request refused: Origin must be this server',
      );
  });
}

/** What a route needs: its own word, else reads for viewers, writes for admins. */
export function accessOf(method: string, declared: Access | undefined): Access {
  return declared ?? (READ_METHODS.has(method) ? 'viewer' : 'admin');
}

/** What a request's route needs (accessOf). */
export function routeAccess(request: FastifyRequest): Access {
  return accessOf(request.method, request.routeOptions.config?.access);
}

/**
 * Why a principal may not have this access, or null when it may. A token acts with its
 * own role capped at its owner's (the authenticator's doing), so the same rules hold.
 */
export function refusalOf(
  principal: Principal,
  access: Access,
  policy: AccessPolicy,
): string | null {
  if (principal.scope === 'metrics' && access !== 'metrics')
    return 'this token may only read /metrics';
  if (access === 'logs') return mayReadLogs(principal, policy) ? null : LOGS_REFUSAL;
  const needsAdmin = access === 'admin' || (access === 'metrics' && principal.scope === 'full');
  return needsAdmin && principal.role !== 'admin' ? 'this needs the admin role' : null;
}

const LOGS_REFUSAL =
  'reading logs needs the admin role, or auth.viewers_read_logs turned on for viewers';

/** Whether the principal may read log lines (the `logs` access; also what /api/me says). */
export function mayReadLogs(principal: Principal, policy: AccessPolicy): boolean {
  if (principal.scope !== 'full') return false;
  return principal.role === 'admin' || policy.viewersReadLogs();
}

/**
 * Whether a cookie-authenticated request comes from our own pages. Browsers send
 * `Origin` on every write, and on any cross-origin read (EventSource, WebSocket), so a
 * foreign or `null` Origin is refused. A same-origin GET over plain http on a LAN
 * address carries neither Origin nor Sec-Fetch-Site (those are sent only to secure
 * origins): a read may go without proof, a write (`requireProof`) may not.
 */
export function sameOrigin(
  request: FastifyRequest,
  publicOrigin: string | null,
  { requireProof }: { requireProof: boolean } = { requireProof: true },
): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (publicOrigin !== null && origin === publicOrigin) return true;
    const host = request.headers.host;
    return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  return !requireProof;
}
