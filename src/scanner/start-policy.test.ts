import { describe, expect, it } from 'vitest';
import { START_SLACK_MS, startWithoutCursor } from './start-policy.js';

const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const FIRST = 1_000_000;
const RUN = 2_000_000;
const run = { startedAt: RUN, now: RUN + 50, initialTailLines: 0 };

describe('where a tail without a cursor starts', () => {
  it('reads a container that started while Logwarden was down from its start', () => {
    const history = { firstWatchedAt: FIRST, lastWatchedAt: FIRST + 10 };
    expect(startWithoutCursor(FIRST + 500, history, run)).toEqual({
      start: { sinceNanos: ns(FIRST + 500 - START_SLACK_MS) },
      reason: 'container_start',
    });
  });

  it('reads a container that started before the last watch, with no cursor, from its start', () => {
    // The previous run saw it start but died before committing a cursor.
    const history = { firstWatchedAt: FIRST, lastWatchedAt: RUN - 10 };
    expect(startWithoutCursor(RUN - 500, history, run).start).toEqual({
      sinceNanos: ns(RUN - 500 - START_SLACK_MS),
    });
  });

  it('reads a container running before the first watch from when Logwarden first watched', () => {
    const history = { firstWatchedAt: FIRST, lastWatchedAt: RUN - 10 };
    expect(startWithoutCursor(FIRST - 1, history, run)).toEqual({
      start: { sinceNanos: ns(FIRST) },
      reason: 'first_watched',
    });
  });

  it('applies the first-start policy only on the first run', () => {
    const history = { firstWatchedAt: RUN, lastWatchedAt: null };
    expect(startWithoutCursor(RUN - 1, history, run)).toEqual({
      start: { sinceNanos: ns(RUN + 50) },
      reason: 'first_start_policy',
    });
    expect(startWithoutCursor(null, history, { ...run, initialTailLines: 20 })).toEqual({
      start: { tailLines: 20 },
      reason: 'first_start_policy',
    });
    expect(startWithoutCursor(RUN + 5, history, run).reason).toBe('container_start');
  });
});
