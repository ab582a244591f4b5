import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelayMs } from './backoff.js';

describe('retry backoff', () => {
  it('spreads the default 6 attempts over about an hour, growing each time', () => {
    const waits = [1, 2, 3, 4, 5].map((n) => retryDelayMs(n, DEFAULT_RETRY, null, () => 0.5));
    for (let i = 1; i < waits.length; i++) expect(waits[i]!).toBeGreaterThan(waits[i - 1]!);
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(50 * 60_000);
    expect(total).toBeLessThan(75 * 60_000);
  });

  it('jitters within ±20 %', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY, null, () => 0)).toBe(48_000);
    expect(retryDelayMs(1, DEFAULT_RETRY, null, () => 1)).toBe(72_000);
  });

  it('waits at least what Retry-After asked for, up to an hour', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY, 600_000, () => 0.5)).toBe(600_000);
    expect(retryDelayMs(1, DEFAULT_RETRY, 1_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(1, DEFAULT_RETRY, 86_400_000, () => 0.5)).toBe(3_600_000);
  });
});
