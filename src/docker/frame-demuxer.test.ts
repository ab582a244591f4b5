import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../errors.js';
import {
  FIRST_PIECE_MIN,
  FrameDemuxer,
  MAX_FRAME_BYTES,
  type DemuxMode,
  type FramePiece,
} from './frame-demuxer.js';

/** A Docker frame: [stream, 0, 0, 0, size uint32 BE] + payload. */
function frame(streamType: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = streamType;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A bare header, for sizes too large to build. */
function header(bytes: [number, number, number, number], size: number): Buffer {
  const h = Buffer.from([...bytes, 0, 0, 0, 0]);
  h.writeUInt32BE(size, 4);
  return h;
}

function bytewise(buf: Buffer): Buffer[] {
  return Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1));
}

interface DemuxResult {
  pieces: FramePiece[];
  error: unknown;
}

/** Writes the chunks one by one (flowing, so every piece is seen as it is pushed). */
async function demux(chunks: Buffer[], mode: DemuxMode = 'framed'): Promise<DemuxResult> {
  const demuxer = new FrameDemuxer(mode);
  const pieces: FramePiece[] = [];
  demuxer.on('data', (piece: FramePiece) => pieces.push(piece));
  const settled = new Promise<unknown>((resolve) => {
    demuxer.on('end', () => resolve(null));
    demuxer.on('error', resolve);
  });
  for (const chunk of chunks) {
    if (demuxer.destroyed) break;
    demuxer.write(chunk);
  }
  if (!demuxer.destroyed) demuxer.end();
  return { pieces, error: await settled };
}

function expectCode(error: unknown, code: ErrorCode): AppError {
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const text = (pieces: FramePiece[]) => pieces.map((p) => p.data.toString('utf8'));

describe('FrameDemuxer (framed)', () => {
  it('splits stdout and stderr frames into whole pieces', async () => {
    const { pieces, error } = await demux([
      Buffer.concat([frame(1, 'out line\n'), frame(2, 'err line\n'), frame(1, 'again\n')]),
    ]);
    expect(error).toBeNull();
    expect(pieces).toEqual([
      {
        stream: 'stdout',
        data: Buffer.from('out line\n'),
        frameStart: true,
        frameEnd: true,
        raw: false,
      },
      {
        stream: 'stderr',
        data: Buffer.from('err line\n'),
        frameStart: true,
        frameEnd: true,
        raw: false,
      },
      {
        stream: 'stdout',
        data: Buffer.from('again\n'),
        frameStart: true,
        frameEnd: true,
        raw: false,
      },
    ]);
  });

  it('treats stream 0 (stdin) as stdout', async () => {
    const { pieces, error } = await demux([frame(0, 'from stdin\n')]);
    expect(error).toBeNull();
    expect(pieces.map((p) => p.stream)).toEqual(['stdout']);
    expect(text(pieces)).toEqual(['from stdin\n']);
  });

  it('passes a zero-size frame as an empty whole piece and carries on', async () => {
    const { pieces, error } = await demux([Buffer.concat([frame(2, ''), frame(1, 'next\n')])]);
    expect(error).toBeNull();
    expect(pieces).toHaveLength(2);
    expect(pieces[0]).toMatchObject({ stream: 'stderr', frameStart: true, frameEnd: true });
    expect(pieces[0]!.data.length).toBe(0);
    expect(text(pieces)).toEqual(['', 'next\n']);
  });

  it('reassembles frames fed one byte at a time; the first piece is never shorter than 64 bytes', async () => {
    const long = Buffer.from('L'.repeat(200) + '\n');
    const short = Buffer.from('short\n');
    const input = Buffer.concat([frame(1, long), frame(2, short), frame(1, long)]);
    const { pieces, error } = await demux(bytewise(input));
    expect(error).toBeNull();

    // Group the pieces back into frames.
    const frames: FramePiece[][] = [];
    for (const piece of pieces) {
      if (piece.frameStart) frames.push([]);
      frames.at(-1)!.push(piece);
    }
    expect(frames).toHaveLength(3);
    const payloads = [long, short, long];
    frames.forEach((pieces, i) => {
      const payload = payloads[i]!;
      expect(Buffer.concat(pieces.map((p) => p.data))).toEqual(payload);
      expect(pieces[0]!.data.length).toBeGreaterThanOrEqual(
        Math.min(payload.length, FIRST_PIECE_MIN),
      );
      expect(pieces.filter((p) => p.frameStart)).toHaveLength(1);
      expect(pieces.map((p) => p.frameEnd)).toEqual(pieces.map((_, j) => j === pieces.length - 1));
      expect(new Set(pieces.map((p) => p.stream)).size).toBe(1);
    });
    // A short frame arrives as one piece; a long one as its first 64 bytes, then 1 byte each.
    expect(frames[1]).toHaveLength(1);
    expect(frames[0]![0]!.data.length).toBe(FIRST_PIECE_MIN);
    expect(frames[0]).toHaveLength(1 + long.length - FIRST_PIECE_MIN);
  });

  it('passes piece data as views of the written chunk, without a copy per frame', async () => {
    // Socket chunks are never reused; a copy per frame (per line, mostly) was the
    // costliest step of the path. Whoever keeps a line's bytes copies them.
    const input = frame(1, 'hello\n');
    const { pieces } = await demux([input]);
    expect(text(pieces)).toEqual(['hello\n']);
    expect(pieces[0]!.data.buffer).toBe(input.buffer);
  });

  it('turns a stream-3 frame into DOCKER_DAEMON_ERROR with its message, after earlier pieces', async () => {
    const { pieces, error } = await demux([
      frame(1, 'before\n'),
      ...bytewise(frame(3, 'Error grabbing logs: log file is corrupt\n')),
      frame(1, 'never\n'),
    ]);
    const err = expectCode(error, ErrorCode.DockerDaemonError);
    expect(err.message).toContain('Error grabbing logs: log file is corrupt');
    expect(err.details).toEqual({ message: 'Error grabbing logs: log file is corrupt' });
    expect(text(pieces)).toEqual(['before\n']);
  });

  it('keeps at most 64 KiB of a huge stream-3 message', async () => {
    const { error } = await demux([frame(3, 'e'.repeat(200_000))]);
    const err = expectCode(error, ErrorCode.DockerDaemonError);
    expect((err.details as { message: string }).message).toHaveLength(64 * 1024);
  });

  it.each([
    ['unknown stream type', header([4, 0, 0, 0], 5), /unknown stream type 4/],
    ['unknown stream type 0xff', header([0xff, 0, 0, 0], 5), /unknown stream type 255/],
    ['non-zero padding', header([1, 0, 1, 0], 5), /padding/],
    ['size 0xFFFFFFFF', header([1, 0, 0, 0], 0xffffffff), /frame size 4294967295/],
    ['size 16 MiB + 1', header([2, 0, 0, 0], MAX_FRAME_BYTES + 1), /exceeds/],
  ])('rejects a header with %s as DOCKER_STREAM_CORRUPT', async (_name, bad, reason) => {
    const { pieces, error } = await demux([frame(1, 'good\n'), bad, Buffer.from('hello')]);
    const err = expectCode(error, ErrorCode.DockerStreamCorrupt);
    expect(err.message).toMatch(reason);
    expect(text(pieces)).toEqual(['good\n']);
  });

  it('rejects a bad header as soon as its 8 bytes are in, without waiting for a payload', async () => {
    const demuxer = new FrameDemuxer('framed');
    const failed = new Promise<unknown>((resolve) => demuxer.on('error', resolve));
    demuxer.resume();
    demuxer.write(header([1, 0, 0, 0], 0xffffffff));
    // No end(): the error must not depend on the stream finishing.
    expectCode(await failed, ErrorCode.DockerStreamCorrupt);
  });

  it('accepts a frame of exactly 16 MiB', async () => {
    const payload = Buffer.alloc(MAX_FRAME_BYTES, 0x61);
    const { pieces, error } = await demux([frame(1, payload)]);
    expect(error).toBeNull();
    expect(pieces.reduce((n, p) => n + p.data.length, 0)).toBe(MAX_FRAME_BYTES);
  });

  it.each([
    ['inside the payload', frame(1, 'x'.repeat(200)).subarray(0, 100)],
    ['before the first piece is complete', frame(1, 'hello\n').subarray(0, 11)],
    ['inside the header', frame(1, 'hello\n').subarray(0, 5)],
  ])('reports a stream that ends %s as DOCKER_STREAM_CORRUPT', async (_name, truncated) => {
    const { pieces, error } = await demux([frame(2, 'whole\n'), truncated]);
    const err = expectCode(error, ErrorCode.DockerStreamCorrupt);
    expect(err.message).toMatch(/ended inside a frame/);
    expect(pieces[0]).toMatchObject({ stream: 'stderr', frameEnd: true });
  });
});

describe('FrameDemuxer (raw and auto)', () => {
  it("'raw' passes bytes through untouched, marked raw, even when they look like headers", async () => {
    const input = [frame(2, 'looks framed\n'), Buffer.from('plain\r\n')];
    const { pieces, error } = await demux(input, 'raw');
    expect(error).toBeNull();
    expect(Buffer.concat(pieces.map((p) => p.data))).toEqual(Buffer.concat(input));
    for (const piece of pieces) {
      expect(piece).toMatchObject({ stream: 'stdout', raw: true, frameStart: false });
    }
  });

  it("'auto' falls back to raw when the first 8 bytes are not a header", async () => {
    const { pieces, error } = await demux(bytewise(Buffer.from('hello world\r\nbye\r\n')), 'auto');
    expect(error).toBeNull();
    expect(pieces.every((p) => p.raw && p.stream === 'stdout')).toBe(true);
    expect(Buffer.concat(pieces.map((p) => p.data)).toString()).toBe('hello world\r\nbye\r\n');
  });

  it("'auto' treats output shorter than a header as raw", async () => {
    const { pieces, error } = await demux([Buffer.from('hi\n')], 'auto');
    expect(error).toBeNull();
    expect(pieces).toEqual([
      {
        stream: 'stdout',
        data: Buffer.from('hi\n'),
        frameStart: false,
        frameEnd: false,
        raw: true,
      },
    ]);
  });

  it("'auto' stays framed once the first header is valid: a later bad header is corrupt", async () => {
    const { pieces, error } = await demux(
      [frame(1, 'one\n'), frame(2, 'two\n'), Buffer.from('not a header at all\n')],
      'auto',
    );
    expectCode(error, ErrorCode.DockerStreamCorrupt);
    expect(pieces.map((p) => [p.stream, p.raw, p.data.toString()])).toEqual([
      ['stdout', false, 'one\n'],
      ['stderr', false, 'two\n'],
    ]);
  });

  it("'auto' detects frames arriving one byte at a time", async () => {
    const { pieces, error } = await demux(bytewise(frame(2, 'err\n')), 'auto');
    expect(error).toBeNull();
    expect(pieces).toEqual([
      {
        stream: 'stderr',
        data: Buffer.from('err\n'),
        frameStart: true,
        frameEnd: true,
        raw: false,
      },
    ]);
  });
});

describe('FrameDemuxer backpressure', () => {
  it('stops consuming input while nobody reads, and resumes when read', async () => {
    const frames = Array.from({ length: 2000 }, (_, i) =>
      frame(1, `line ${i} ${'x'.repeat(100)}\n`),
    );
    const input = Buffer.concat(frames);
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 1024) chunks.push(input.subarray(i, i + 1024));

    const demuxer = new FrameDemuxer('framed');
    let written = 0;
    while (written < chunks.length && demuxer.write(chunks[written]!)) written++;
    // write() refused long before the input ran out.
    expect(written).toBeLessThan(chunks.length / 2);
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    // Still nobody reads: the pieces waiting are bounded and the input is not drained.
    expect(demuxer.readableLength).toBeLessThanOrEqual(demuxer.readableHighWaterMark + 1024 / 8);
    expect(demuxer.writableLength).toBeGreaterThan(0);
    expect(demuxer.writableNeedDrain).toBe(true);

    const feeding = (async () => {
      for (written++; written < chunks.length; written++) {
        if (!demuxer.write(chunks[written]!)) {
          await new Promise((resolve) => demuxer.once('drain', resolve));
        }
      }
      demuxer.end();
    })();
    const received: Buffer[] = [];
    for await (const piece of demuxer as AsyncIterable<FramePiece>) received.push(piece.data);
    await feeding;
    expect(Buffer.concat(received).toString()).toBe(
      Buffer.concat(frames.map((f) => f.subarray(8))).toString(),
    );
  });
});
