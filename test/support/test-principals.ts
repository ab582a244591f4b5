import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../src/api/access-guard.js';
import type { Principal } from '../../src/auth/principal.js';

export const ADMIN: Principal = {
  via: 'token',
  user_id: 1,
  name: 'admin',
  role: 'admin',
  scope: 'full',
};

export const VIEWER: Principal = { ...ADMIN, user_id: 2, name: 'viewer', role: 'viewer' };

/** Route tests that are not about auth: every request acts as `who`. */
export function actingAs(who: Principal = ADMIN): Authenticator {
  return { authenticate: async (_request: FastifyRequest) => who };
}

/**
 * Auth options for tests that sign in through the real service: scrypt at N=2^12 keeps
 * a unit run in seconds (the production cost is tested in src/auth/password.test.ts).
 */
export const TEST_AUTH_OPTIONS = {
  sessionIdleMs: 3_600_000,
  sessionAbsoluteMs: 86_400_000,
  passwordCost: { N: 2 ** 12, r: 8, p: 1 },
} as const;
