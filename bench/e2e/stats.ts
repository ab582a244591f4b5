/** The summary maths of the bench: percentiles, slopes, rounding. Pure. */

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of values already sorted ascending. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Rounds to `digits` decimals (NaN stays NaN, shown as null in JSON). */
export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export interface LagVerdict {
  /** Lines written but not read when the window ended. */
  final: number;
  /** Mean lag over the window's first and last thirds. */
  early: number;
  late: number;
  /** True when the reader kept up: small at the end and not growing. */
  kept_up: boolean;
}

/**
 * Whether a reader kept up with a writer from lag samples (lines written − lines
 * read) over a window at `rate` lines/s. Lines in flight are normal: it kept up when
 * the lag at the end is under half a second of lines (at least 2 000) and the late
 * third of the window is not more than a quarter second of lines above the early one.
 */
export function judgeLag(samples: readonly number[], rate: number): LagVerdict {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const early = mean(samples.slice(0, third));
  const late = mean(samples.slice(-third));
  const final = samples.length ? samples[samples.length - 1]! : 0;
  const allowance = Math.max(2000, rate * 0.5);
  return {
    final,
    early: Math.round(early),
    late: Math.round(late),
    kept_up: final <= allowance && late - early <= Math.max(1000, rate * 0.25),
  };
}
