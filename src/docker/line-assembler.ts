import { Transform, type TransformCallback } from 'node:stream';
import {
  FrameSplitter,
  type DemuxMode,
  type FramePiece,
  type LogStreamName,
} from './frame-demuxer.js';
import { MAX_TIMESTAMP_LENGTH, TimestampReader, joinNanos, splitNanos } from './timestamp.js';

/**
 * One log line. Most lines are only matched and counted, so what only some readers
 * need (`text`, `timestamp`, `timeNanos`) may be computed on first read: the per-line
 * path reads `bytes`, `seconds` and `nanos`.
 */
export interface LogLine {
  readonly stream: LogStreamName;
  /**
   * The timestamp's instant as whole seconds since the epoch (floored), with `nanos`
   * the nanoseconds after them: the resume cursor, exact, compared without BigInt.
   * Null without a timestamp.
   */
  readonly seconds: number | null;
  /** 0 ≤ nanos < 1e9; 0 without a timestamp. */
  readonly nanos: number;
  /** Docker's RFC3339Nano timestamp as sent, or null without `timestamps=1`. */
  readonly timestamp: string | null;
  /** The same instant in nanoseconds since the epoch. */
  readonly timeNanos: bigint | null;
  /**
   * The line without its newline (and, for a TTY, without `\r`). It may share memory
   * with the chunk it arrived in: copy it to keep it beyond the line.
   */
  readonly bytes: Buffer;
  /** `bytes` decoded as UTF-8, invalid sequences replaced by U+FFFD. */
  readonly text: string;
  /** The line was longer than the limit; the rest up to its newline was discarded. */
  readonly truncated: boolean;
}

/** A line read off a stream: its text and timestamp are decoded on first read. */
class AssembledLine implements LogLine {
  private decoded: string | null = null;
  private stampText: string | null = null;

  constructor(
    readonly stream: LogStreamName,
    readonly seconds: number | null,
    readonly nanos: number,
    /** Where the timestamp's bytes are, while nobody asked for its text. */
    private stampSource: Buffer | null,
    private readonly stampStart: number,
    private readonly stampEnd: number,
    readonly bytes: Buffer,
    readonly truncated: boolean,
  ) {}

  get text(): string {
    return (this.decoded ??= this.bytes.toString('utf8'));
  }

  get timestamp(): string | null {
    if (this.stampSource !== null) {
      this.stampText = this.stampSource.toString('latin1', this.stampStart, this.stampEnd);
      this.stampSource = null;
    }
    return this.stampText;
  }

  get timeNanos(): bigint | null {
    return this.seconds === null ? null : joinNanos(this.seconds, this.nanos);
  }

  /** The fields, for equality in tests and for logging. */
  toJSON() {
    const { stream, timestamp, timeNanos, bytes, text, truncated } = this;
    return { stream, timestamp, timeNanos, bytes, text, truncated };
  }
}

/** A line made by hand (fakes, tests, other sources): the same shape as a read one. */
export function logLine(fields: {
  stream: LogStreamName;
  text: string;
  timeNanos?: bigint | null;
  timestamp?: string | null;
  bytes?: Buffer;
  truncated?: boolean;
}): LogLine {
  const bytes = fields.bytes ?? Buffer.from(fields.text);
  const time = fields.timeNanos == null ? null : splitNanos(fields.timeNanos);
  const stamp = fields.timestamp ?? null;
  const line = new AssembledLine(
    fields.stream,
    time?.seconds ?? null,
    time?.nanos ?? 0,
    stamp === null ? null : Buffer.from(stamp, 'latin1'),
    0,
    stamp === null ? 0 : stamp.length,
    bytes,
    fields.truncated ?? false,
  );
  return line;
}

export interface LineAssemblerOptions {
  /** Each piece starts with a timestamp (the request had `timestamps=1`). */
  timestamps: boolean;
  maxLineBytes?: number;
}

export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

interface PartialLine {
  parts: Buffer[];
  size: number;
  /** The line's timestamp: where its bytes are, and its instant (seconds null: none). */
  stampSource: Buffer | null;
  stampEnd: number;
  seconds: number | null;
  nanos: number;
  /** The current line was cut and emitted; drop bytes until its newline. */
  discarding: boolean;
  /** TTY output (see FramePiece.raw). */
  raw: boolean;
}

/** Index at which to cut `buf` to at most `limit` bytes without splitting a UTF-8 sequence. */
function utf8CutIndex(buf: Buffer, limit: number): number {
  if (limit >= buf.length) return buf.length;
  let i = limit;
  // Back off over continuation bytes (10xxxxxx), at most the 3 a sequence can have.
  while (i > limit - 3 && i > 0 && (buf[i]! & 0xc0) === 0x80) i--;
  return (buf[i]! & 0xc0) === 0x80 ? limit : i;
}

/**
 * The length of the `TIMESTAMP ` at the front of `data` when it parses (the reader then
 * holds its instant), else 0. Looks at most MAX_TIMESTAMP_LENGTH + 1 bytes.
 */
function timestampLength(data: Buffer, reader: TimestampReader): number {
  const limit = Math.min(data.length, MAX_TIMESTAMP_LENGTH + 1);
  let space = -1;
  for (let i = 0; i < limit; i++) {
    if (data[i] === SPACE) {
      space = i;
      break;
    }
  }
  if (space <= 0 || !reader.read(data, 0, space)) return 0;
  return space + 1;
}

/**
 * Turns demuxed pieces into lines, synchronously, handing each to `onLine`. Docker cuts
 * lines longer than 16 KiB into pieces, each with its own timestamp when
 * `timestamps=1`: the timestamps are stripped from every piece and the pieces joined.
 * Lines are cut at `maxLineBytes`.
 */
export class LineSplitter {
  private readonly lines = new Map<LogStreamName, PartialLine>();
  private readonly maxLineBytes: number;
  private readonly reader = new TimestampReader();

  constructor(
    private readonly options: LineAssemblerOptions,
    private readonly onLine: (line: LogLine) => void,
  ) {
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /** The stream ended: a last line without its newline is a line. */
  end(): void {
    for (const [stream, line] of this.lines) {
      if (line.size > 0 && !line.discarding) this.emitLine(stream, line, false);
    }
    this.lines.clear();
  }

  private state(stream: LogStreamName): PartialLine {
    let line = this.lines.get(stream);
    if (!line) {
      line = {
        parts: [],
        size: 0,
        stampSource: null,
        stampEnd: 0,
        seconds: null,
        nanos: 0,
        discarding: false,
        raw: false,
      };
      this.lines.set(stream, line);
    }
    return line;
  }

  accept(piece: FramePiece): void {
    const line = this.state(piece.stream);
    line.raw = piece.raw;
    const data = piece.data;
    // Framed output: every frame (whole line or partial piece) starts with its own
    // timestamp. TTY output has one per line, read when the line is complete.
    let stampLength = 0;
    let seconds = 0;
    let nanos = 0;
    if (piece.frameStart && this.options.timestamps) {
      stampLength = timestampLength(data, this.reader);
      if (stampLength > 0) {
        seconds = this.reader.seconds;
        nanos = this.reader.nanos;
      }
    }
    const stampSource = data;
    let start = stampLength;
    for (;;) {
      if (line.size === 0 && !line.discarding && stampLength > 0) {
        line.stampSource = stampSource;
        line.stampEnd = stampLength - 1;
        line.seconds = seconds;
        line.nanos = nanos;
      }
      const nl = data.indexOf(NEWLINE, start);
      const end = nl === -1 ? data.length : nl;
      this.append(piece.stream, line, data.subarray(start, end));
      if (nl === -1) break;
      if (line.discarding) this.reset(line);
      else this.emitLine(piece.stream, line, false);
      start = nl + 1;
      if (start >= data.length) break;
    }
  }

  private append(stream: LogStreamName, line: PartialLine, bytes: Buffer): void {
    if (line.discarding || bytes.length === 0) return;
    // TTY lines keep their timestamp until complete, so leave room for it.
    const limit =
      this.maxLineBytes + (line.raw && this.options.timestamps ? MAX_TIMESTAMP_LENGTH + 1 : 0);
    if (line.size + bytes.length <= limit) {
      line.parts.push(bytes);
      line.size += bytes.length;
      return;
    }
    // Cut the line as a whole: a character may straddle this piece and the one before.
    const whole = Buffer.concat([...line.parts, bytes.subarray(0, limit - line.size + 1)]);
    line.parts = [whole.subarray(0, utf8CutIndex(whole, limit))];
    line.size = line.parts[0]!.length;
    this.emitLine(stream, line, true);
    line.discarding = true;
  }

  private emitLine(stream: LogStreamName, line: PartialLine, truncated: boolean): void {
    // One piece (the usual line) is passed on as it came, without a copy.
    let bytes: Buffer =
      line.parts.length === 1 ? line.parts[0]! : Buffer.concat(line.parts, line.size);
    let { stampSource, stampEnd, seconds, nanos } = line;
    if (line.raw) {
      if (this.options.timestamps) {
        const length = timestampLength(bytes, this.reader);
        if (length > 0) {
          stampSource = bytes;
          stampEnd = length - 1;
          seconds = this.reader.seconds;
          nanos = this.reader.nanos;
          bytes = bytes.subarray(length);
        }
      }
      if (bytes.includes(CR)) bytes = Buffer.from(bytes.filter((b) => b !== CR));
    }
    if (bytes.length > this.maxLineBytes) {
      bytes = bytes.subarray(0, utf8CutIndex(bytes, this.maxLineBytes));
      truncated = true;
    }
    this.onLine(
      new AssembledLine(stream, seconds, nanos, stampSource, 0, stampEnd, bytes, truncated),
    );
    this.reset(line);
  }

  private reset(line: PartialLine): void {
    line.parts = [];
    line.size = 0;
    line.stampSource = null;
    line.seconds = null;
    line.nanos = 0;
    line.discarding = false;
  }
}

/** LineSplitter as a Transform from pieces to lines. */
export class LineAssembler extends Transform {
  private readonly splitter: LineSplitter;

  constructor(options: LineAssemblerOptions) {
    super({ objectMode: true, readableHighWaterMark: 256 });
    this.splitter = new LineSplitter(options, (line) => this.push(line));
  }

  override _transform(piece: FramePiece, _enc: BufferEncoding, done: TransformCallback): void {
    this.splitter.accept(piece);
    done();
  }

  override _flush(done: TransformCallback): void {
    this.splitter.end();
    done();
  }
}

/**
 * Bytes of a log stream to lines in one step, a batch per chunk: the lines a chunk
 * completes are passed on together, so the stream machinery and the consumer's
 * `for await` cost once per chunk rather than once per line. A Transform: it stops
 * reading when the consumer does (at most `readableHighWaterMark` batches wait).
 */
export class LogLineBatcher extends Transform {
  private readonly frames: FrameSplitter;
  private readonly lines: LineSplitter;
  private batch: LogLine[] = [];

  constructor(mode: DemuxMode, options: LineAssemblerOptions) {
    super({ readableObjectMode: true, readableHighWaterMark: 4 });
    this.lines = new LineSplitter(options, (line) => this.batch.push(line));
    this.frames = new FrameSplitter(mode, (piece) => this.lines.accept(piece));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.frames.write(chunk);
    } catch (err) {
      // Lines before the fault are passed on first, as the two-stage pipeline does.
      this.pushBatch();
      return done(err as Error);
    }
    this.pushBatch();
    done();
  }

  override _flush(done: TransformCallback): void {
    try {
      this.frames.end();
    } catch (err) {
      this.pushBatch();
      return done(err as Error);
    }
    this.lines.end();
    this.pushBatch();
    done();
  }

  private pushBatch(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.push(batch);
  }
}
