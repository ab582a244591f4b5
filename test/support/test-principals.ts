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
