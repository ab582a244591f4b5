import { describe, expect, it } from 'vitest';
import { judgeLag, percentile, round, slope, summarize } from './stats.js';

describe('bench summary maths', () => {
  it('takes nearest-rank percentiles of sorted values', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples without changing them', () => {
    const samples = [30, 10, 20, 50, 40];
    expect(summarize(samples)).toEqual({ count: 5, p50: 30, p99: 50, max: 50 });
    expect(samples).toEqual([30, 10, 20, 50, 40]);
    expect(summarize([]).count).toBe(0);
  });

  it('fits a least-squares slope (memory per tail)', () => {
    const points = [0, 50, 200].map((x) => ({ x, y: 100 + 0.5 * x }));
    expect(slope(points)).toBeCloseTo(0.5, 10);
    expect(slope([{ x: 1, y: 1 }])).toBeNaN();
    expect(
      slope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toBeNaN();
  });

  it('rounds to the digits asked', () => {
    expect(round(1.26, 1)).toBe(1.3);
    expect(round(1234.5678, 2)).toBe(1234.57);
  });

  it('judges a reader that kept up, and one whose lag grows', () => {
    expect(judgeLag([100, -50, 300, 200, 0, 150], 20_000).kept_up).toBe(true);
    const growing = judgeLag([1000, 8000, 15_000, 22_000, 29_000, 36_000], 50_000);
    expect(growing).toMatchObject({ final: 36_000, kept_up: false });
    expect(growing.late).toBeGreaterThan(growing.early);
    // Far behind but no longer growing is still not keeping up.
    expect(judgeLag([90_000, 90_000, 90_000], 50_000).kept_up).toBe(false);
  });
});
