import { describe, expect, it } from 'vitest';
import { truncateMessage } from './message.js';

describe('truncateMessage', () => {
  it('keeps short messages as they are', () => {
    expect(truncateMessage('hello', 10)).toBe('hello');
    expect(truncateMessage('x'.repeat(500))).toBe('x'.repeat(500));
  });

  it('cuts to the byte limit including the ellipsis', () => {
    const out = truncateMessage('x'.repeat(501));
    expect(Buffer.byteLength(out)).toBe(500);
    expect(out.endsWith('…')).toBe(true);
  });

  it('never splits a multi-byte character', () => {
    for (let pad = 0; pad < 4; pad++) {
      const out = truncateMessage('a'.repeat(pad) + '€😀'.repeat(200), 100);
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(100);
      expect(out).not.toContain('\uFFFD');
      expect(out.endsWith('…')).toBe(true);
    }
  });
});
