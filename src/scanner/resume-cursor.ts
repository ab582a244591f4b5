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

/** What a line is to a stream's position. */
export type LineVerdict =
  /** Not taken before: the position now includes it. */
  | 'new'
  /** At or before the cursor: read again after a reconnect. */
  | 'seen'
  /** The very line just taken, sent again in the same connection (same time, same bytes). */
  | 'repeat';

/**
 * A reconnect found that Docker no longer holds the cursor's line (its log file was
 * rotated away): lines logged between the two instants may never have been read.
 */
export interface ResumeGap {
  afterNanos: bigint;
  beforeNanos: bigint;
  /** Lines probably missing, from the stream's recent pace; at least 1. */
  estimatedLines: number;
}

/** The pace between lines is measured over windows of this long (bursts average out). */
const PACE_WINDOW_NANOS = 5_000_000_000n;

/** Decides, line by line, whether a line of one stream is new; advances when it is. */
export class StreamPosition {
  private sameTsThisConnection = 0;
  /** Bytes of the last line taken in this connection, to spot Docker repeating it. */
  private lastBytes: Uint8Array | null = null;
  /** The cursor a connection resumed from, until Docker shows it still holds it. */
  private resumedFrom: bigint | null = null;
  /** Mean time between lines taken over the last full window, in ns. */
  private paceNanos: number | null = null;
  private windowStart: bigint | null = null;
  private windowLines = 0;
  private gap: ResumeGap | null = null;

  constructor(private cursor: ResumeCursor | null) {}

  get current(): ResumeCursor | null {
    return this.cursor ? { ...this.cursor } : null;
  }

  /** The cursor's instant, without a copy (read per line). */
  get lastNanos(): bigint | null {
    return this.cursor ? this.cursor.tsNanos : null;
  }

  /** Call when a new connection (re)starts reading at `since` ≤ the cursor. */
  reconnected(): void {
    this.sameTsThisConnection = 0;
    this.lastBytes = null;
    this.resumedFrom = this.cursor?.tsNanos ?? null;
  }

  /**
   * A read that re-fetched part of the log is over: any gap it could show has been
   * judged at its first new line; later lines of the follow continue from here.
   */
  settle(): void {
    this.resumedFrom = null;
  }

  /** True when the line has not been taken before; the position then includes it. */
  take(tsNanos: bigint | null, bytes?: Uint8Array): boolean {
    return this.judge(tsNanos, bytes) === 'new';
  }

  /** The gap the last new line revealed, once; null when there was none. */
  takeGap(): ResumeGap | null {
    const gap = this.gap;
    this.gap = null;
    return gap;
  }

  /**
   * Judges a line and advances on a new one. Docker holds a contiguous suffix of a
   * log, so after a reconnect any line at or before the cursor proves nothing after the
   * cursor was rotated away; a first new line without one reveals a gap.
   */
  judge(tsNanos: bigint | null, bytes?: Uint8Array): LineVerdict {
    if (tsNanos === null) return 'new';
    const cursor = this.cursor;
    if (cursor && tsNanos < cursor.tsNanos) {
      this.resumedFrom = null;
      return 'seen';
    }
    if (cursor && tsNanos === cursor.tsNanos) {
      this.resumedFrom = null;
      if (
        bytes !== undefined &&
        this.lastBytes !== null &&
        this.sameTsThisConnection >= cursor.seenAtTs &&
        Buffer.compare(bytes, this.lastBytes) === 0
      ) {
        return 'repeat';
      }
      this.sameTsThisConnection++;
      if (this.sameTsThisConnection <= cursor.seenAtTs) return 'seen';
      cursor.seenAtTs = this.sameTsThisConnection;
      this.lastBytes = bytes ?? null;
      return 'new';
    }
    if (this.resumedFrom !== null) {
      this.gap = {
        afterNanos: this.resumedFrom,
        beforeNanos: tsNanos,
        estimatedLines: this.estimateLines(tsNanos - this.resumedFrom),
      };
      this.resumedFrom = null;
    }
    this.measurePace(tsNanos);
    this.cursor = { tsNanos, seenAtTs: 1 };
    this.sameTsThisConnection = 1;
    this.lastBytes = bytes ?? null;
    return 'new';
  }

  /** Lines over time in windows of a few seconds: the mean, not the pace inside bursts. */
  private measurePace(tsNanos: bigint): void {
    if (this.windowStart === null || tsNanos < this.windowStart) {
      this.windowStart = tsNanos;
      this.windowLines = 0;
      return;
    }
    this.windowLines++;
    const span = tsNanos - this.windowStart;
    if (span >= PACE_WINDOW_NANOS) {
      this.paceNanos = Number(span) / this.windowLines;
      this.windowStart = tsNanos;
      this.windowLines = 0;
    }
  }

  /** Lines that fit in a span at the recent pace, less the one that ends it; at least 1. */
  private estimateLines(spanNanos: bigint): number {
    let pace = this.paceNanos;
    if (pace === null && this.windowStart !== null && this.windowLines > 0 && this.cursor) {
      pace = Number(this.cursor.tsNanos - this.windowStart) / this.windowLines;
    }
    if (pace === null || pace <= 0) return 1;
    return Math.max(1, Math.round(Number(spanNanos) / pace) - 1);
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
