import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusalOf, routeAccess, type AccessPolicy, type Authenticator } from './access-guard.js';

/**
 * Whether a long-lived stream may go on: its request's credentials are authenticated
 * again (a logout, a new password, a disabled user, a revoked or expired token make
 * them fail) and must still prove the principal that opened it, with the access its
 * route needs, by the access guard's own rules (and the same policy); the origin is not
 * checked again, as the request's headers have not changed.
 */
export function streamRevalidator(
  authenticator: Authenticator,
  policy: AccessPolicy,
): (request: FastifyRequest) => Promise<boolean> {
  return async (request) => {
    const opened = request.principal;
    if (!opened) return false;
    const now = await authenticator.authenticate(request);
    if (!now || now.via !== opened.via || now.user_id !== opened.user_id) return false;
    return refusalOf(now, routeAccess(request), policy) === null;
  };
}

/** Tokens count against the user who owns them; a principal without a user by name. */
export const userKey = (request: FastifyRequest) => {
  const who = request.principal;
  return who?.user_id != null ? `user:${who.user_id}` : `name:${who?.name ?? ''}`;
};

/**
 * The client left while the request was authenticated or looked up: its response's
 * 'close' has fired already. Not `request.raw.destroyed`: that is also true once a
 * request body has been read, with the client still there.
 */
export const clientGone = (request: FastifyRequest, reply: FastifyReply) =>
  reply.raw.destroyed || request.raw.socket.destroyed;
