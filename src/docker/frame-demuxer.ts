import { Transform, type TransformCallback } from 'node:stream';
import { AppError, ErrorCode } from '../errors.js';

export type LogStreamName = 'stdout' | 'stderr';

/**
 * A piece of one frame's payload. A frame larger than the chunks it arrives in comes
 * as several pieces; `frameStart` marks the first, which always holds at least
 * FIRST_PIECE_MIN bytes of the frame (or all of it) so a timestamp is never split.
 */
export interface FramePiece {
  stream: LogStreamName;
  /** May share memory with the chunk it arrived in. */
  data: Buffer;
  frameStart: boolean;
  frameEnd: boolean;
  /** TTY output: no frames, so no piece boundaries and one timestamp per line. */
  raw: boolean;
}

/** framed: multiplexed; raw: TTY; auto: framed unless the first header is not one. */
export type DemuxMode = 'framed' | 'raw' | 'auto';

export const HEADER_BYTES = 8;
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const FIRST_PIECE_MIN = 64;
/** Bytes of a stream-3 (daemon error) frame kept for the error message. */
const MAX_DAEMON_ERROR_BYTES = 64 * 1024;

const STREAM_BY_TYPE: Record<number, LogStreamName | 'error'> = {
  0: 'stdout', // stdin; Docker's own stdcopy writes it to stdout
  1: 'stdout',
  2: 'stderr',
  3: 'error',
};

function headerProblem(header: Buffer): string | null {
  const type = header[0]!;
  if (!(type in STREAM_BY_TYPE)) return `unknown stream type ${type}`;
  if (header[1] !== 0 || header[2] !== 0 || header[3] !== 0) return 'non-zero header padding';
  const size = header.readUInt32BE(4);
  if (size > MAX_FRAME_BYTES) return `frame size ${size} exceeds ${MAX_FRAME_BYTES}`;
  return null;
}

function corrupt(reason: string): AppError {
  return new AppError(ErrorCode.DockerStreamCorrupt, `corrupt log stream: ${reason}`, {
    details: { reason },
  });
}

/**
 * Splits Docker's multiplexed log stream (8-byte headers: stream, 0, 0, 0, size BE)
 * into pieces, synchronously, handing each to `onPiece`. Holds at most one header and
 * the first FIRST_PIECE_MIN bytes of a frame beyond the chunk being processed.
 */
export class FrameSplitter {
  private mode: DemuxMode;
  private pending: Buffer = Buffer.alloc(0);
  /** Payload bytes still to come of the current frame; 0 between frames. */
  private remaining = 0;
  private current: LogStreamName | 'error' = 'stdout';
  private inFrame = false;
  private daemonError: Buffer[] = [];
  private daemonErrorBytes = 0;

  constructor(
    mode: DemuxMode,
    private readonly onPiece: (piece: FramePiece) => void,
  ) {
    this.mode = mode;
  }

  /** Splits a chunk; throws DOCKER_STREAM_CORRUPT or DOCKER_DAEMON_ERROR. */
  write(chunk: Buffer): void {
    this.consume(chunk);
  }

  /** The stream ended; throws DOCKER_STREAM_CORRUPT when it ended inside a frame. */
  end(): void {
    if (this.mode === 'raw') return;
    if (this.mode === 'auto' && this.pending.length > 0) {
      // Fewer than 8 bytes in all: too short to be framed, so it is raw output.
      this.mode = 'raw';
      this.emitRaw(this.pending);
      return;
    }
    if (this.inFrame || this.pending.length > 0) throw corrupt('stream ended inside a frame');
  }

  private consume(chunk: Buffer): void {
    if (this.mode === 'raw') return this.emitRaw(chunk);
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (buf.length > 0) {
      if (!this.inFrame) {
        if (buf.length < HEADER_BYTES) break;
        const header = buf.subarray(0, HEADER_BYTES);
        const problem = headerProblem(header);
        if (problem) {
          if (this.mode === 'auto') {
            this.mode = 'raw';
            return this.emitRaw(buf);
          }
          throw corrupt(problem);
        }
        const size = header.readUInt32BE(4);
        // Keep the frame's first bytes together so a leading timestamp stays whole.
        if (buf.length < HEADER_BYTES + Math.min(size, FIRST_PIECE_MIN)) break;
        this.mode = 'framed';
        this.current = STREAM_BY_TYPE[header[0]!]!;
        this.remaining = size;
        this.inFrame = true;
        buf = buf.subarray(HEADER_BYTES);
        const take = Math.min(size, buf.length);
        this.finishFrame(buf.subarray(0, take), true);
        buf = buf.subarray(take);
      } else {
        const take = Math.min(this.remaining, buf.length);
        this.finishFrame(buf.subarray(0, take), false);
        buf = buf.subarray(take);
      }
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }

  private finishFrame(data: Buffer, frameStart: boolean): void {
    this.remaining -= data.length;
    const frameEnd = this.remaining === 0;
    if (frameEnd) this.inFrame = false;
    if (this.current === 'error') {
      if (this.daemonErrorBytes < MAX_DAEMON_ERROR_BYTES) {
        const keep = data.subarray(0, MAX_DAEMON_ERROR_BYTES - this.daemonErrorBytes);
        this.daemonError.push(Buffer.from(keep));
        this.daemonErrorBytes += keep.length;
      }
      if (frameEnd) {
        const message = Buffer.concat(this.daemonError).toString('utf8').trim();
        throw new AppError(ErrorCode.DockerDaemonError, `docker daemon error: ${message}`, {
          details: { message },
        });
      }
      return;
    }
    // A view, not a copy: the socket's chunks are never reused, and a copy per frame (a
    // line, mostly) cost more than anything else here. What keeps a line copies it.
    this.onPiece({ stream: this.current, data, frameStart, frameEnd, raw: false });
  }

  private emitRaw(data: Buffer): void {
    if (data.length === 0) return;
    this.onPiece({
      stream: 'stdout',
      data,
      frameStart: false,
      frameEnd: false,
      raw: true,
    });
  }
}

/**
 * FrameSplitter as a Transform of pieces: being a Transform, it stops reading when the
 * consumer does, so memory stays bounded whatever the daemon sends.
 */
export class FrameDemuxer extends Transform {
  private readonly splitter: FrameSplitter;

  constructor(mode: DemuxMode = 'framed') {
    super({ readableObjectMode: true, readableHighWaterMark: 64 });
    this.splitter = new FrameSplitter(mode, (piece) => this.push(piece));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.splitter.write(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.splitter.end();
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}
