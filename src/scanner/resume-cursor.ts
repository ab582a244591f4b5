import type { LogStreamName } from '../docker/index.js';

/**
 * Where a stream of a container was read up to: the timestamp of the last line taken
 * and how many lines carrying exactly that timestamp were taken. Docker's `since` is
 * inclusive and several lines can share a nanosecond, so the count is what lets a
 * resumed stream skip exactly the lines already seen.
 */
export interface ResumeCursor {
  tsNanos: bigint;
  seenAtTs: number;
}

/** Decides, line by line, whether a line of one stream is new; advances when it is. */
export class StreamPosition {
  private sameTsThisConnection = 0;

  constructor(private cursor: ResumeCursor | null) {}

  get current(): ResumeCursor | null {
    return this.cursor ? { ...this.cursor } : null;
  }

  /** Call when a new connection (re)starts reading at `since` ≤ the cursor. */
  reconnected(): void {
    this.sameTsThisConnection = 0;
  }

  /** True when the line has not been taken before; the position then includes it. */
  take(tsNanos: bigint | null): boolean {
    if (tsNanos === null) return true;
    const cursor = this.cursor;
    if (cursor && tsNanos < cursor.tsNanos) return false;
    if (cursor && tsNanos === cursor.tsNanos) {
      this.sameTsThisConnection++;
      if (this.sameTsThisConnection <= cursor.seenAtTs) return false;
      cursor.seenAtTs = this.sameTsThisConnection;
      return true;
    }
    this.cursor = { tsNanos, seenAtTs: 1 };
    this.sameTsThisConnection = 1;
    return true;
  }
}

export type StreamCursors = Partial<Record<LogStreamName, ResumeCursor>>;

/**
 * How far before the earliest cursor a resumed read starts. Docker copies stdout and
 * stderr separately, so its log can hold a line of one stream after a later line of the
 * other; a stream with no cursor yet would lose such a line if reading resumed exactly
 * at the other stream's cursor. The positions skip what the slack reads again.
 */
export const RESUME_SLACK_NANOS = 5_000_000_000n;

/** The `since` for a connection: just before the earliest stream cursor, or the fallback. */
export function resumeSince(cursors: StreamCursors, fallback: bigint | null): bigint | null {
  const times = Object.values(cursors).map((c) => c.tsNanos);
  if (times.length === 0) return fallback;
  const earliest = times.reduce((a, b) => (b < a ? b : a));
  return earliest > RESUME_SLACK_NANOS ? earliest - RESUME_SLACK_NANOS : 0n;
}
