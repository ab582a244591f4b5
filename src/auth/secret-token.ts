import { createHash, randomBytes } from 'node:crypto';

/** A bearer credential: `lw_` and 32 random bytes, base64url. */
export function newSecretToken(): string {
  return `lw_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are stored as their sha256; the random part makes a salt unnecessary. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
