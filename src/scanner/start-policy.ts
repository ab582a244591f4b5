import type { WatchHistory } from './watermark-repository.js';

/** Where a tail without a resume cursor starts: a `since` in ns, or the last N lines. */
export type TailStart = { sinceNanos: bigint } | { tailLines: number };

export type StartReason =
  /** The container started after the scanner first watched this host: read it whole. */
  | 'container_start'
  /** Running before the scanner ever watched, and an earlier run saw it: since then. */
  | 'first_watched'
  /** Running before the scanner ever watched, seen for the first time now. */
  | 'first_start_policy';

/**
 * Docker records State.StartedAt only after the process runs, so its first lines can
 * carry earlier timestamps: a container read from its start is read from this long
 * before StartedAt.
 */
export const START_SLACK_MS = 2_000;

const msToNanos = (ms: number) => BigInt(Math.trunc(ms)) * 1_000_000n;

/**
 * The rule for a tail that has no cursor. A missing cursor does not mean the lines are
 * old: the previous run may have died before its first commit, or the container started
 * while Logwarden was down. So every container that started after the scanner first
 * watched this host is read from its start; one that was running before that is read
 * from the moment the scanner first watched it; only on the very first run does the
 * first-start policy (the last N lines, or from now) apply.
 */
export function startWithoutCursor(
  startedAt: number | null,
  history: WatchHistory,
  run: { startedAt: number; now: number; initialTailLines: number },
): { start: TailStart; reason: StartReason } {
  if (startedAt !== null && startedAt >= history.firstWatchedAt) {
    return {
      start: { sinceNanos: msToNanos(startedAt - START_SLACK_MS) },
      reason: 'container_start',
    };
  }
  if (history.firstWatchedAt < run.startedAt) {
    return { start: { sinceNanos: msToNanos(history.firstWatchedAt) }, reason: 'first_watched' };
  }
  return {
    start:
      run.initialTailLines > 0
        ? { tailLines: run.initialTailLines }
        : { sinceNanos: msToNanos(run.now) },
    reason: 'first_start_policy',
  };
}
