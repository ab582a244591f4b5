import { describe, expect, it } from 'vitest';
import { hashPassword, SCRYPT_PARAMS, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('stores scrypt N=2^17, r=8, p=1 with a per-hash salt', async () => {
    const [a, b] = await Promise.all([
      hashPassword('correct horse'),
      hashPassword('correct horse'),
    ]);
    expect(SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1 });
    const parts = a.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '131072', '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64')).toHaveLength(64);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password only', async () => {
    const hash = await hashPassword('correct horse');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'md5$abc')).toBe(false);
    // A tampered row cannot make us allocate gigabytes.
    expect(await verifyPassword('x', hash.replace('$131072$', '$1073741824$'))).toBe(false);
  });
});
