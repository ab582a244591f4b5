import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/index.js';
import type { Authenticator } from './access-guard.js';

export const SESSION_COOKIE = 'lw_session';

/** What the authenticator needs from the auth domain. */
export interface CredentialChecks {
  sessionPrincipal(token: string): Promise<Principal | null>;
  tokenPrincipal(token: string): Promise<Principal | null>;
}

export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null; // a malformed escape is no credential, not a 500
      }
    }
  }
  return null;
}

/** A bearer token wins over a cookie; a malformed one is no credential at all. */
export function credentialAuthenticator(checks: CredentialChecks): Authenticator {
  return {
    async authenticate(request) {
      const authorization = request.headers.authorization;
      if (authorization !== undefined) {
        const m = /^Bearer (lw_[A-Za-z0-9_-]{20,100})$/.exec(authorization);
        return m ? checks.tokenPrincipal(m[1]!) : null;
      }
      const session = readCookie(request, SESSION_COOKIE);
      return session ? checks.sessionPrincipal(session) : null;
    },
  };
}

export interface CookiePolicy {
  /** Mark Secure even over plain HTTP (a TLS proxy in front). */
  alwaysSecure: boolean;
}

export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  policy: CookiePolicy,
  value: string,
  maxAgeSeconds: number,
): void {
  const secure = policy.alwaysSecure || request.protocol === 'https';
  const attributes = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ];
  void reply.header('set-cookie', attributes.join('; '));
}
