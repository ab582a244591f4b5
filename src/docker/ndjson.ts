import { Transform, type TransformCallback } from 'node:stream';
import { AppError, ErrorCode } from '../errors.js';

export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Splits newline-delimited JSON (Docker's /events) into parsed objects. An object
 * larger than `maxObjectBytes` is an error rather than a reason to buffer without end.
 */
export class NdjsonSplitter extends Transform {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxObjectBytes = MAX_EVENT_BYTES) {
    super({ readableObjectMode: true, readableHighWaterMark: 64 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        this.add(chunk.subarray(start, nl));
        this.emitObject();
        start = nl + 1;
      }
      this.add(chunk.subarray(start));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.emitObject();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private add(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    if (this.size > this.maxObjectBytes) {
      throw new AppError(
        ErrorCode.DockerEventTooLarge,
        `docker event larger than ${this.maxObjectBytes} bytes`,
        { details: { limit: this.maxObjectBytes } },
      );
    }
    this.parts.push(Buffer.from(bytes));
  }

  private emitObject(): void {
    if (this.size === 0) return;
    const text = Buffer.concat(this.parts, this.size).toString('utf8').trim();
    this.parts = [];
    this.size = 0;
    if (text === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new AppError(ErrorCode.DockerStreamCorrupt, 'docker event is not valid JSON', {
        cause: err,
        details: { excerpt: text.slice(0, 200) },
      });
    }
    // Docker's events are objects; pushing a JSON `null` would end the stream.
    if (typeof parsed !== 'object' || parsed === null) {
      throw new AppError(ErrorCode.DockerStreamCorrupt, 'docker event is not a JSON object', {
        details: { excerpt: text.slice(0, 200) },
      });
    }
    this.push(parsed);
  }
}
