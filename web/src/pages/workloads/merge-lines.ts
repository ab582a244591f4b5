import type { LogLine } from '../../api/types';
import { toViewLine, type ViewLine } from '../container/log-buffer';

/** Lines kept in the merged view; the oldest go first. */
export const MAX_MERGED_LINES = 5000;

/**
 * Each container's lines come on a stream of their own, and the streams do not keep
 * step: a line can reach the page after a later line of another container. Holding
 * every line this long after it arrived, then releasing the held lines in timestamp
 * order, puts nearly all of them in place before they are shown; one later still is
 * inserted where its timestamp belongs (the view is always ordered), which only moves
 * lines the reader may already have seen when a stream lagged longer than this.
 */
export const REORDER_MS = 300;

export interface MergedLine extends ViewLine {
  container_id: string;
  /** Sorts as the line's time: Docker's timestamp to the nanosecond, else when it arrived. */
  key: string;
}

interface Held {
  line: MergedLine;
  arrivedAt: number;
}

export interface MergeState {
  /** Shown, oldest first, in timestamp order. */
  lines: MergedLine[];
  held: Held[];
  /** Identities of the lines kept, so a stream that starts over (and sends its tail again) repeats none. */
  seen: ReadonlySet<string>;
  /** Lines let go because the view was full. */
  discarded: number;
  seq: number;
}

export const emptyMerge: MergeState = {
  lines: [],
  held: [],
  seen: new Set(),
  discarded: 0,
  seq: 0,
};

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * A key that sorts as the time does. Docker's RFC3339Nano drops trailing zeros
 * (`…:05.1Z` is later than `…:05.09Z`), so the strings themselves do not sort.
 */
export function timeKey(timestamp: string | null, arrivedAt: number): string {
  const m = timestamp ? RFC3339.exec(timestamp) : null;
  const seconds = m ? Date.parse(`${m[1]}${m[3]}`) / 1000 : NaN;
  if (!m || Number.isNaN(seconds)) {
    const ms = Math.floor(arrivedAt);
    return `${String(Math.floor(ms / 1000)).padStart(12, '0')}.${String(ms % 1000).padStart(3, '0')}000000`;
  }
  return `${String(seconds).padStart(12, '0')}.${(m[2] ?? '').padEnd(9, '0')}`;
}

const identity = (l: MergedLine) => `${l.container_id} ${l.stream} ${l.timestamp} ${l.text}`;

const before = (a: MergedLine, b: MergedLine) =>
  a.key < b.key || (a.key === b.key && a.seq < b.seq);

/** Takes lines of one container as they arrived; they are shown once released. */
export function hold(
  state: MergeState,
  containerId: string,
  incoming: readonly LogLine[],
  arrivedAt: number,
): MergeState {
  if (incoming.length === 0) return state;
  let seq = state.seq;
  const held = [...state.held];
  for (const line of incoming) {
    const merged: MergedLine = {
      ...toViewLine(line, ++seq),
      container_id: containerId,
      key: timeKey(line.timestamp, arrivedAt),
    };
    held.push({ line: merged, arrivedAt });
  }
  // A stream far ahead of the others must not make the held lines grow without bound.
  const overflow = held.length > MAX_MERGED_LINES;
  const next = { ...state, held, seq };
  return overflow ? release(next, Infinity) : next;
}

/** Shows the lines held for REORDER_MS (all of them with now = Infinity), in place. */
export function release(state: MergeState, now: number): MergeState {
  const due = state.held.filter((h) => h.arrivedAt + REORDER_MS <= now);
  if (due.length === 0) return state;
  const held = state.held.filter((h) => h.arrivedAt + REORDER_MS > now);
  const seen = new Set(state.seen);
  const fresh = due
    .map((h) => h.line)
    .filter((l) => {
      const id = identity(l);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const lines = mergeSorted(state.lines, fresh);
  let discarded = state.discarded;
  let kept = lines;
  if (lines.length > MAX_MERGED_LINES) {
    const gone = lines.length - MAX_MERGED_LINES;
    for (const l of lines.slice(0, gone)) seen.delete(identity(l));
    kept = lines.slice(gone);
    discarded += gone;
  }
  return { ...state, lines: kept, held, seen, discarded };
}

/** Two ordered lists as one; the common case (everything new is newest) is an append. */
function mergeSorted(a: readonly MergedLine[], b: readonly MergedLine[]): MergedLine[] {
  if (b.length === 0) return [...a];
  if (a.length === 0 || before(a[a.length - 1]!, b[0]!)) return [...a, ...b];
  const out: MergedLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(before(b[j]!, a[i]!) ? b[j++]! : a[i++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** A stack trace is grouped within one container's stream, never across containers. */
export const recordSource = (line: MergedLine) => `${line.container_id} ${line.stream}`;

/** When the next held line is due, or null when none is held. */
export function nextRelease(state: MergeState): number | null {
  if (state.held.length === 0) return null;
  return Math.min(...state.held.map((h) => h.arrivedAt)) + REORDER_MS;
}
