import { joinNanos, splitNanos, type LogStreamName } from '../docker/index.js';

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
const PACE_WINDOW_NANOS = 5_000_000_000;

/** How far `s1`+`n1` lies after `s2`+`n2`, in ns; a Number, exact within about 104 days. */
export const nanosBetween = (s1: number, n1: number, s2: number, n2: number): number =>
  (s1 - s2) * 1e9 + (n1 - n2);

/** Lines longer than this are copied for the repeat check rather than kept in the scratch. */
const SCRATCH_MAX_BYTES = 16 * 1024;

/**
 * Decides, line by line, whether a line of one stream is new; advances when it is. The
 * instants are kept as whole seconds and the nanoseconds after them, two Numbers that
 * hold a nanosecond timestamp exactly, so the per-line work makes no BigInt.
 */
export class StreamPosition {
  /** The cursor: seconds null while there is none. */
  private seconds: number | null = null;
  private nanos = 0;
  private seenAtTs = 0;
  private sameTsThisConnection = 0;
  /** Bytes of the last line taken in this connection, to spot Docker repeating it. */
  private scratch: Buffer | null = null;
  /** -1: no last line in this connection (or taken without its bytes). */
  private lastLength = -1;
  /** The cursor a connection resumed from, until Docker shows it still holds it. */
  private resumedFrom: bigint | null = null;
  /** Mean time between lines taken over the last full window, in ns. */
  private paceNanos: number | null = null;
  private windowSeconds: number | null = null;
  private windowNanos = 0;
  private windowLines = 0;
  private gap: ResumeGap | null = null;

  constructor(cursor: ResumeCursor | null) {
    if (cursor) {
      const { seconds, nanos } = splitNanos(cursor.tsNanos);
      this.seconds = seconds;
      this.nanos = nanos;
      this.seenAtTs = cursor.seenAtTs;
    }
  }

  get current(): ResumeCursor | null {
    return this.seconds === null
      ? null
      : { tsNanos: joinNanos(this.seconds, this.nanos), seenAtTs: this.seenAtTs };
  }

  /** The cursor's instant: whole seconds (null without a cursor)… */
  get lastSeconds(): number | null {
    return this.seconds;
  }

  /** …and the nanoseconds after them. */
  get lastNanosPart(): number {
    return this.nanos;
  }

  /** The cursor's instant in ns. */
  get lastNanos(): bigint | null {
    return this.seconds === null ? null : joinNanos(this.seconds, this.nanos);
  }

  /** Call when a new connection (re)starts reading at `since` ≤ the cursor. */
  reconnected(): void {
    this.sameTsThisConnection = 0;
    this.lastLength = -1;
    this.resumedFrom = this.lastNanos;
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

  /** judgeAt() for an instant in ns. */
  judge(tsNanos: bigint | null, bytes?: Uint8Array): LineVerdict {
    if (tsNanos === null) return 'new';
    const { seconds, nanos } = splitNanos(tsNanos);
    return this.judgeAt(seconds, nanos, bytes);
  }

  /**
   * Judges a line at `seconds` + `nanos` (seconds null: the line has no timestamp) and
   * advances on a new one. Docker holds a contiguous suffix of a log, so after a
   * reconnect any line at or before the cursor proves nothing after the cursor was
   * rotated away; a first new line without one reveals a gap.
   */
  judgeAt(seconds: number | null, nanos: number, bytes?: Uint8Array): LineVerdict {
    if (seconds === null) return 'new';
    if (this.seconds !== null) {
      const order = seconds - this.seconds || nanos - this.nanos;
      if (order < 0) {
        this.resumedFrom = null;
        return 'seen';
      }
      if (order === 0) {
        this.resumedFrom = null;
        if (
          bytes !== undefined &&
          this.lastLength === bytes.length &&
          this.sameTsThisConnection >= this.seenAtTs &&
          this.isLast(bytes)
        ) {
          return 'repeat';
        }
        this.sameTsThisConnection++;
        if (this.sameTsThisConnection <= this.seenAtTs) return 'seen';
        this.seenAtTs = this.sameTsThisConnection;
        this.keep(bytes);
        return 'new';
      }
    }
    if (this.resumedFrom !== null) {
      const before = joinNanos(seconds, nanos);
      this.gap = {
        afterNanos: this.resumedFrom,
        beforeNanos: before,
        estimatedLines: this.estimateLines(Number(before - this.resumedFrom)),
      };
      this.resumedFrom = null;
    }
    this.measurePace(seconds, nanos);
    this.seconds = seconds;
    this.nanos = nanos;
    this.seenAtTs = 1;
    this.sameTsThisConnection = 1;
    this.keep(bytes);
    return 'new';
  }

  /**
   * Keeps the bytes of the line just taken. The line's own buffer may be a view of a
   * whole socket chunk, so its bytes are copied into a scratch buffer reused line after
   * line instead of keeping the view (which would pin the chunk) or allocating a copy.
   */
  private keep(bytes: Uint8Array | undefined): void {
    if (bytes === undefined) {
      this.lastLength = -1;
      return;
    }
    const length = bytes.length;
    if (length > SCRATCH_MAX_BYTES) {
      // Rare: a copy of its own, so the scratch never grows to a long line's size.
      this.scratch = Buffer.from(bytes);
    } else if (
      this.scratch === null ||
      this.scratch.length < length ||
      this.scratch.length > SCRATCH_MAX_BYTES
    ) {
      this.scratch = Buffer.allocUnsafeSlow(Math.max(256, 2 ** Math.ceil(Math.log2(length || 1))));
      this.scratch.set(bytes);
    } else {
      this.scratch.set(bytes);
    }
    this.lastLength = length;
  }

  private isLast(bytes: Uint8Array): boolean {
    const scratch = this.scratch!;
    for (let i = 0; i < bytes.length; i++) if (scratch[i] !== bytes[i]) return false;
    return true;
  }

  /** Lines over time in windows of a few seconds: the mean, not the pace inside bursts. */
  private measurePace(seconds: number, nanos: number): void {
    if (
      this.windowSeconds === null ||
      nanosBetween(seconds, nanos, this.windowSeconds, this.windowNanos) < 0
    ) {
      this.windowSeconds = seconds;
      this.windowNanos = nanos;
      this.windowLines = 0;
      return;
    }
    this.windowLines++;
    const span = nanosBetween(seconds, nanos, this.windowSeconds, this.windowNanos);
    if (span >= PACE_WINDOW_NANOS) {
      this.paceNanos = span / this.windowLines;
      this.windowSeconds = seconds;
      this.windowNanos = nanos;
      this.windowLines = 0;
    }
  }

  /** Lines that fit in a span at the recent pace, less the one that ends it; at least 1. */
  private estimateLines(spanNanos: number): number {
    let pace = this.paceNanos;
    if (
      pace === null &&
      this.windowSeconds !== null &&
      this.windowLines > 0 &&
      this.seconds !== null
    ) {
      pace =
        nanosBetween(this.seconds, this.nanos, this.windowSeconds, this.windowNanos) /
        this.windowLines;
    }
    if (pace === null || pace <= 0) return 1;
    return Math.max(1, Math.round(spanNanos / pace) - 1);
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
