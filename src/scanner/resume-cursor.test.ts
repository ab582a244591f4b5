import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESUME_SLACK_NANOS, StreamPosition, resumeSince } from './resume-cursor.js';

describe('StreamPosition', () => {
  it('takes each line once across a reconnect, lines sharing a timestamp included', () => {
    const stream = [10n, 20n, 20n, 20n, 30n];
    const first = new StreamPosition(null);
    // Read up to the second of three lines at 20.
    expect(stream.slice(0, 3).map((t) => first.take(t))).toEqual([true, true, true]);
    expect(first.current).toEqual({ tsNanos: 20n, seenAtTs: 2 });
    // Resume with since = 20 (inclusive): Docker sends 20, 20, 20, 30 again.
    const resumed = new StreamPosition(first.current);
    resumed.reconnected();
    expect([20n, 20n, 20n, 30n].map((t) => resumed.take(t))).toEqual([false, false, true, true]);
    expect(resumed.current).toEqual({ tsNanos: 30n, seenAtTs: 1 });
  });

  it('skips lines older than the cursor and takes untimed lines', () => {
    const p = new StreamPosition({ tsNanos: 50n, seenAtTs: 1 });
    p.reconnected();
    expect(p.take(40n)).toBe(false);
    expect(p.take(null)).toBe(true);
    expect(p.take(50n)).toBe(false);
    expect(p.take(51n)).toBe(true);
  });

  it('skips a line Docker sends twice in one connection, and only that', () => {
    const p = new StreamPosition(null);
    p.reconnected();
    const b = (t: string) => Buffer.from(t);
    expect(p.judge(10n, b('SEQ 15'))).toBe('new');
    expect(p.judge(10n, b('SEQ 15'))).toBe('repeat');
    // Different bytes at the same instant: a line of its own.
    expect(p.judge(10n, b('SEQ 16'))).toBe('new');
    expect(p.judge(11n, b('SEQ 16'))).toBe('new');
    expect(p.current).toEqual({ tsNanos: 11n, seenAtTs: 1 });
    // After a reconnect the copy Docker holds is skipped by count, not as a repeat.
    p.reconnected();
    expect(p.judge(11n, b('SEQ 16'))).toBe('seen');
    expect(p.judge(12n, b('SEQ 17'))).toBe('new');
  });

  it('reports a gap when Docker no longer holds the line a reconnect resumes from', () => {
    const p = new StreamPosition(null);
    for (let t = 100n; t <= 1_000n; t += 100n) p.take(t);
    p.reconnected();
    // The first line Docker has is long after the cursor (1 000): its file rotated away.
    expect(p.judge(2_000n)).toBe('new');
    expect(p.takeGap()).toEqual({ afterNanos: 1_000n, beforeNanos: 2_000n, estimatedLines: 9 });
    expect(p.takeGap()).toBeNull();
    p.reconnected();
    // Docker still holds the cursor's line (or one before it): nothing was lost.
    expect(p.judge(1_900n)).toBe('seen');
    expect(p.judge(2_100n)).toBe('new');
    expect(p.takeGap()).toBeNull();
  });

  it('estimates a gap from the mean pace, not the pace inside bursts', () => {
    const p = new StreamPosition(null);
    // Bursts of ten lines 1 µs apart every 100 ms: 100 lines a second on average.
    let t = 0n;
    for (let burst = 0; burst < 60; burst++) {
      for (let i = 0n; i < 10n; i++) p.take(BigInt(burst) * 100_000_000n + i * 1_000n);
      t = BigInt(burst) * 100_000_000n + 9_000n;
    }
    p.reconnected();
    p.take(t + 1_000_000_000n);
    const estimate = p.takeGap()?.estimatedLines ?? 0;
    expect(estimate).toBeGreaterThan(90);
    expect(estimate).toBeLessThan(110);
  });

  it('reports no gap on a first connection, and at least one line for a resumed cursor', () => {
    const fresh = new StreamPosition(null);
    fresh.reconnected();
    fresh.take(5n);
    expect(fresh.takeGap()).toBeNull();
    const resumed = new StreamPosition({ tsNanos: 5n, seenAtTs: 1 });
    resumed.reconnected();
    resumed.take(9n);
    expect(resumed.takeGap()).toMatchObject({ estimatedLines: 1 });
  });

  it('property: any cut point and resume yields every line exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (gaps, cutSeed) => {
          let t = 0n;
          const times = gaps.map((g) => (t += BigInt(g)));
          const cut = cutSeed % (times.length + 1);
          const taken: number[] = [];
          const first = new StreamPosition(null);
          times.slice(0, cut).forEach((ts, i) => first.take(ts) && taken.push(i));
          const cursor = first.current;
          const resumed = new StreamPosition(cursor);
          resumed.reconnected();
          const since = cursor?.tsNanos ?? -1n;
          times.forEach((ts, i) => {
            if (ts >= since && resumed.take(ts)) taken.push(i);
          });
          expect(taken).toEqual(times.map((_, i) => i));
        },
      ),
    );
  });
});

describe('resumeSince', () => {
  it('is a little before the earliest stream cursor, or the fallback', () => {
    expect(resumeSince({}, 7n)).toBe(7n);
    expect(resumeSince({}, null)).toBeNull();
    const t = 1_764_064_800_000_000_000n;
    expect(
      resumeSince(
        { stdout: { tsNanos: t + 9n, seenAtTs: 1 }, stderr: { tsNanos: t + 4n, seenAtTs: 2 } },
        1n,
      ),
    ).toBe(t + 4n - RESUME_SLACK_NANOS);
    expect(resumeSince({ stdout: { tsNanos: 3n, seenAtTs: 1 } }, null)).toBe(0n);
  });

  it('keeps a line of a stream without a cursor that Docker logged out of order', () => {
    // The log as Docker holds it: stdout at t+6 was written before stderr at t+5.
    const t = 10_000_000_000n;
    const log = [
      { stream: 'stdout' as const, ts: t + 6n },
      { stream: 'stderr' as const, ts: t + 5n },
    ];
    // A crash after the stdout line was committed, before the stderr line was read.
    const cursors = { stdout: { tsNanos: t + 6n, seenAtTs: 1 } };
    const since = resumeSince(cursors, null)!;
    const stdout = new StreamPosition(cursors.stdout);
    const stderr = new StreamPosition(null);
    const taken = log
      .filter((l) => l.ts >= since)
      .filter((l) => (l.stream === 'stdout' ? stdout : stderr).take(l.ts));
    expect(taken).toEqual([{ stream: 'stderr', ts: t + 5n }]);
  });
});
