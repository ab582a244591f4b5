import type { Role, TokenScope } from './principal.js';

export const ROLES: readonly Role[] = ['admin', 'viewer'];
export const TOKEN_SCOPES: readonly TokenScope[] = ['full', 'metrics'];
export const MIN_PASSWORD_LENGTH = 10;

export interface User {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: number;
  password_changed_at: number;
}

export interface ApiToken {
  id: number;
  name: string;
  /** `lw_` and the first characters: enough to recognise it, useless to use it. */
  prefix: string;
  user_id: number;
  role: Role;
  scope: TokenScope;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}
