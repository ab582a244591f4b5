import { Transform, type TransformCallback } from 'node:stream';
import type { FramePiece, LogStreamName } from './frame-demuxer.js';
import { MAX_TIMESTAMP_LENGTH, parseTimestampNanos } from './timestamp.js';

export interface LogLine {
  stream: LogStreamName;
  /** Docker's RFC3339Nano timestamp as sent, or null without `timestamps=1`. */
  timestamp: string | null;
  /** The same instant in nanoseconds since the epoch; the resume cursor. */
  timeNanos: bigint | null;
  /** The line without its newline (and, for a TTY, without `\r`). */
  bytes: Buffer;
  /** `bytes` decoded as UTF-8, invalid sequences replaced by U+FFFD. */
  text: string;
  /** The line was longer than the limit; the rest up to its newline was discarded. */
  truncated: boolean;
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
  timestamp: string | null;
  timeNanos: bigint | null;
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

/** Splits `TIMESTAMP ` off the front of a piece, only when it parses. */
function splitTimestamp(data: Buffer): { timestamp: string; nanos: bigint; rest: Buffer } | null {
  const space = data.subarray(0, MAX_TIMESTAMP_LENGTH + 1).indexOf(SPACE);
  if (space <= 0) return null;
  const timestamp = data.toString('latin1', 0, space);
  const nanos = parseTimestampNanos(timestamp);
  if (nanos === null) return null;
  return { timestamp, nanos, rest: data.subarray(space + 1) };
}

/**
 * Turns demuxed pieces into lines. Docker cuts lines longer than 16 KiB into pieces,
 * each with its own timestamp when `timestamps=1`: the timestamps are stripped from
 * every piece and the pieces joined. Lines are cut at `maxLineBytes`.
 */
export class LineAssembler extends Transform {
  private readonly lines = new Map<LogStreamName, PartialLine>();
  private readonly maxLineBytes: number;

  constructor(private readonly options: LineAssemblerOptions) {
    super({ objectMode: true, readableHighWaterMark: 256 });
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  override _transform(piece: FramePiece, _enc: BufferEncoding, done: TransformCallback): void {
    this.accept(piece);
    done();
  }

  override _flush(done: TransformCallback): void {
    for (const [stream, line] of this.lines) {
      if (line.size > 0 && !line.discarding) this.emitLine(stream, line, false);
    }
    this.lines.clear();
    done();
  }

  private state(stream: LogStreamName): PartialLine {
    let line = this.lines.get(stream);
    if (!line) {
      line = {
        parts: [],
        size: 0,
        timestamp: null,
        timeNanos: null,
        discarding: false,
        raw: false,
      };
      this.lines.set(stream, line);
    }
    return line;
  }

  private accept(piece: FramePiece): void {
    const line = this.state(piece.stream);
    line.raw = piece.raw;
    let data = piece.data;
    // Framed output: every frame (whole line or partial piece) starts with its own
    // timestamp. TTY output has one per line, read when the line is complete.
    let frameTimestamp: { timestamp: string; nanos: bigint } | null = null;
    if (piece.frameStart && this.options.timestamps) {
      const split = splitTimestamp(data);
      if (split) {
        frameTimestamp = split;
        data = split.rest;
      }
    }
    let start = 0;
    for (;;) {
      if (line.size === 0 && !line.discarding && frameTimestamp) {
        line.timestamp = frameTimestamp.timestamp;
        line.timeNanos = frameTimestamp.nanos;
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
    let bytes = line.parts.length === 1 ? line.parts[0]! : Buffer.concat(line.parts, line.size);
    let { timestamp, timeNanos } = line;
    if (line.raw) {
      if (this.options.timestamps) {
        const split = splitTimestamp(bytes);
        if (split) {
          ({ timestamp, nanos: timeNanos } = split);
          bytes = split.rest;
        }
      }
      if (bytes.includes(CR)) bytes = Buffer.from(bytes.filter((b) => b !== CR));
    }
    if (bytes.length > this.maxLineBytes) {
      bytes = bytes.subarray(0, utf8CutIndex(bytes, this.maxLineBytes));
      truncated = true;
    }
    const copy = Buffer.from(bytes);
    this.push({
      stream,
      timestamp,
      timeNanos,
      bytes: copy,
      text: copy.toString('utf8'),
      truncated,
    });
    this.reset(line);
  }

  private reset(line: PartialLine): void {
    line.parts = [];
    line.size = 0;
    line.timestamp = null;
    line.timeNanos = null;
    line.discarding = false;
  }
}
