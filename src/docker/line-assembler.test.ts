import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FrameDemuxer, type DemuxMode, type FramePiece } from './frame-demuxer.js';
import { LineAssembler, MAX_LINE_BYTES, type LogLine } from './line-assembler.js';
import { splitNanos } from './timestamp.js';

function frame(streamType: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = streamType;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const BASE_NANOS = 1_714_000_000_123_456_789n;

/** Docker's RFC3339Nano with a fixed 9-digit fraction, for BASE_NANOS + offset. */
function stamp(offset = 0n): string {
  const nanos = BASE_NANOS + offset;
  const seconds = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** A frame whose payload starts with a timestamp, as with `timestamps=1`. */
function stamped(streamType: number, offset: bigint, text: Buffer | string): Buffer {
  return frame(streamType, Buffer.concat([Buffer.from(`${stamp(offset)} `), Buffer.from(text)]));
}

/** Docker's partial-line frames: pieces of `pieceBytes`, each with its own timestamp. */
function partialFrames(streamType: number, offset: bigint, line: Buffer, pieceBytes: number) {
  const frames: Buffer[] = [];
  for (let at = 0, i = 0n; at < line.length || at === 0; at += pieceBytes, i++) {
    const last = at + pieceBytes >= line.length;
    const piece = line.subarray(at, at + pieceBytes);
    frames.push(
      stamped(streamType, offset + i, last ? Buffer.concat([piece, Buffer.from('\n')]) : piece),
    );
    if (last) break;
  }
  return frames;
}

interface RunOptions {
  mode?: DemuxMode;
  timestamps?: boolean;
  maxLineBytes?: number;
}

async function collect(readable: Readable): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of readable as AsyncIterable<LogLine>) lines.push(line);
  return lines;
}

/** Bytes as they come off the socket, through FrameDemuxer and LineAssembler. */
async function assemble(chunks: Buffer[], options: RunOptions = {}): Promise<LogLine[]> {
  const assembler = new LineAssembler({
    timestamps: options.timestamps ?? true,
    maxLineBytes: options.maxLineBytes,
  });
  const [lines] = await Promise.all([
    collect(assembler),
    pipeline(Readable.from(chunks), new FrameDemuxer(options.mode ?? 'framed'), assembler),
  ]);
  return lines.map(fields);
}

/** A line's fields as a plain object (lines decode text and timestamp when first read). */
function fields(line: LogLine): LogLine {
  const { stream, timestamp, timeNanos, bytes, text, truncated } = line;
  // The cursor's two Numbers hold the same instant as timeNanos.
  expect(line.seconds === null ? null : splitNanos(timeNanos!)).toEqual(
    line.seconds === null ? null : { seconds: line.seconds, nanos: line.nanos },
  );
  return { stream, timestamp, timeNanos, bytes, text, truncated } as LogLine;
}

/** Pieces straight into the LineAssembler, for exact piece boundaries. */
async function assemblePieces(pieces: FramePiece[], options: RunOptions = {}) {
  const assembler = new LineAssembler({
    timestamps: options.timestamps ?? true,
    maxLineBytes: options.maxLineBytes,
  });
  const [lines] = await Promise.all([
    collect(assembler),
    pipeline(Readable.from(pieces), assembler),
  ]);
  return lines;
}

function piece(data: Buffer | string, frameStart: boolean, stream: 'stdout' | 'stderr' = 'stdout') {
  return { stream, data: Buffer.from(data), frameStart, frameEnd: true, raw: false };
}

describe('LineAssembler', () => {
  it('strips the timestamp, keeping it as text and as bigint nanoseconds', async () => {
    const lines = await assemble([
      Buffer.concat([stamped(1, 0n, 'hello world\n'), stamped(2, 1n, 'oops\n')]),
    ]);
    expect(lines).toEqual([
      {
        stream: 'stdout',
        timestamp: stamp(0n),
        timeNanos: BASE_NANOS,
        bytes: Buffer.from('hello world'),
        text: 'hello world',
        truncated: false,
      },
      {
        stream: 'stderr',
        timestamp: stamp(1n),
        timeNanos: BASE_NANOS + 1n,
        bytes: Buffer.from('oops'),
        text: 'oops',
        truncated: false,
      },
    ]);
    expect(stamp(0n)).toBe('2024-04-24T23:06:40.123456789Z');
  });

  it('keeps an empty line, with its timestamp', async () => {
    const lines = await assemble([stamped(1, 0n, '\n')]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ text: '', timeNanos: BASE_NANOS, truncated: false });
  });

  it('joins 16 KiB partial frames into one line with the first piece’s timestamp', async () => {
    const line = Buffer.from(
      Array.from({ length: 6000 }, (_, i) => `word${i} `)
        .join('')
        .slice(0, 40_000),
    );
    const frames = partialFrames(1, 10n, line, 16 * 1024);
    expect(frames).toHaveLength(3);
    const lines = await assemble([Buffer.concat([...frames, stamped(1, 20n, 'next\n')])]);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.text).toBe(line.toString());
    expect(lines[0]!.text).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect(lines[0]).toMatchObject({ timestamp: stamp(10n), timeNanos: BASE_NANOS + 10n });
    expect(lines[0]!.truncated).toBe(false);
    expect(lines[1]).toMatchObject({ text: 'next', timestamp: stamp(20n) });
  });

  it('joins partial frames however the socket chunks them', async () => {
    const line = Buffer.from('0123456789'.repeat(50));
    const input = Buffer.concat(partialFrames(2, 0n, line, 64));
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 7) chunks.push(input.subarray(i, i + 7));
    const lines = await assemble(chunks);
    expect(lines.map((l) => [l.stream, l.text, l.timeNanos])).toEqual([
      ['stderr', line.toString(), BASE_NANOS],
    ]);
  });

  it.each([
    ['not a timestamp', 'not-a-timestamp hello'],
    ['a bad month', '2024-13-01T00:00:00Z hello'],
    ['no zone', '2024-01-01T00:00:00.5 hello'],
    ['no space', '2024-01-01T00:00:00.5Zhello'],
    ['a leading space', ' 2024-01-01T00:00:00Z hello'],
  ])('keeps a piece whose leading token is %s verbatim', async (_name, content) => {
    const lines = await assemble([frame(1, `${content}\n`)]);
    expect(lines).toEqual([
      {
        stream: 'stdout',
        timestamp: null,
        timeNanos: null,
        bytes: Buffer.from(content),
        text: content,
        truncated: false,
      },
    ]);
  });

  it('does not look for timestamps without timestamps=1', async () => {
    const lines = await assemble([stamped(1, 0n, 'hello\n')], { timestamps: false });
    expect(lines[0]).toMatchObject({
      timestamp: null,
      timeNanos: null,
      text: `${stamp(0n)} hello`,
    });
  });

  it('cuts a line longer than maxLineBytes, drops the rest up to its newline, then carries on', async () => {
    const long = 'a'.repeat(60) + 'b'.repeat(60) + 'c'.repeat(130);
    const lines = await assemble(
      [...partialFrames(1, 0n, Buffer.from(long), 50), stamped(1, 9n, 'next line\n')],
      { maxLineBytes: 100 },
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      text: long.slice(0, 100),
      truncated: true,
      timestamp: stamp(0n),
    });
    expect(lines[0]!.bytes).toHaveLength(100);
    expect(lines[1]).toMatchObject({ text: 'next line', truncated: false, timestamp: stamp(9n) });
  });

  it('does not truncate a line of exactly maxLineBytes', async () => {
    const lines = await assemble([stamped(1, 0n, `${'x'.repeat(100)}\n`)], { maxLineBytes: 100 });
    expect(lines[0]).toMatchObject({ text: 'x'.repeat(100), truncated: false });
  });

  it('emits a cut line once, even when it never gets its newline', async () => {
    const lines = await assemble(partialFrames(1, 0n, Buffer.alloc(500, 0x7a), 100).slice(0, -1), {
      maxLineBytes: 100,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ text: 'z'.repeat(100), truncated: true });
  });

  it('cuts at the default 1 MiB limit', async () => {
    const line = Buffer.alloc(MAX_LINE_BYTES + 300_000, 0x71);
    const lines = await assemble([
      ...partialFrames(1, 0n, line, 16 * 1024),
      stamped(1, 500n, 'after\n'),
    ]);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.bytes.length).toBe(MAX_LINE_BYTES);
    expect(lines[0]!.bytes.every((b) => b === 0x71)).toBe(true);
    expect(lines[0]).toMatchObject({ truncated: true, timeNanos: BASE_NANOS });
    expect(lines[1]).toMatchObject({
      text: 'after',
      truncated: false,
      timeNanos: BASE_NANOS + 500n,
    });
  });

  it.each([
    ['2-byte', 'é', 100],
    ['3-byte', '€', 99],
    ['4-byte', '😀', 100],
  ])('never cuts a %s character in half', async (_name, char, keptBytes) => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const content = prefix + char.repeat(60);
      const lines = await assemble([stamped(1, 0n, `${content}\n`)], { maxLineBytes: 100 });
      const line = lines[0]!;
      expect(line.truncated).toBe(true);
      expect(line.text).not.toContain('\uFFFD');
      expect(content.startsWith(line.text)).toBe(true);
      expect(line.bytes.length).toBeGreaterThan(96);
      expect(line.bytes.length).toBeLessThanOrEqual(100);
      if (prefix === '') expect(line.bytes.length).toBe(keptBytes);
    }
  });

  it('never cuts a character in half when it straddles two pieces at the limit', async () => {
    const euro = Buffer.from('€'); // e2 82 ac
    for (const split of [1, 2]) {
      for (const before of [98, 99, 100]) {
        const first = Buffer.concat([
          Buffer.from(`${stamp(0n)} `),
          Buffer.alloc(before - split + 1, 0x61),
          euro.subarray(0, split),
        ]);
        const second = Buffer.concat([euro.subarray(split), Buffer.from('tail\n')]);
        const lines = await assemblePieces([piece(first, true), piece(second, false)], {
          maxLineBytes: 100,
        });
        const line = lines[0]!;
        const whole = `${'a'.repeat(before - split + 1)}€tail`;
        expect(line.truncated).toBe(true);
        expect(line.text).not.toContain('\uFFFD');
        expect(whole.startsWith(line.text)).toBe(true);
        expect(line.bytes.length).toBeGreaterThanOrEqual(98);
      }
    }
  });

  it('replaces invalid UTF-8 in text but keeps the original bytes', async () => {
    const content = Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3]);
    const lines = await assemble([stamped(2, 0n, Buffer.concat([content, Buffer.from('\n')]))]);
    expect(lines[0]!.text).toBe('a\uFFFD\uFFFDb\uFFFD');
    expect(lines[0]!.bytes).toEqual(content);
  });

  it('reads raw (TTY) output: strips \\r, finds the timestamp even when split across chunks', async () => {
    const input = Buffer.from(`${stamp(0n)} hello\r\n${stamp(1n)} wörld\r\n${stamp(2n)} \r\n`);
    const splitInsideSecondStamp = input.indexOf('T', input.indexOf('\n')) + 3;
    const lines = await assemble(
      [
        input.subarray(0, 5),
        input.subarray(5, splitInsideSecondStamp),
        input.subarray(splitInsideSecondStamp),
      ],
      { mode: 'raw' },
    );
    expect(lines.map((l) => [l.stream, l.text, l.timestamp, l.timeNanos])).toEqual([
      ['stdout', 'hello', stamp(0n), BASE_NANOS],
      ['stdout', 'wörld', stamp(1n), BASE_NANOS + 1n],
      ['stdout', '', stamp(2n), BASE_NANOS + 2n],
    ]);
  });

  it('reads raw output byte by byte, without timestamps', async () => {
    const input = Buffer.from('first\r\nsecond\nthird');
    const chunks = Array.from(input, (_, i) => input.subarray(i, i + 1));
    const lines = await assemble(chunks, { mode: 'raw', timestamps: false });
    expect(lines.map((l) => [l.text, l.timestamp])).toEqual([
      ['first', null],
      ['second', null],
      ['third', null],
    ]);
  });

  it('cuts a long raw line at maxLineBytes after taking its timestamp off', async () => {
    const input = Buffer.from(`${stamp(0n)} ${'r'.repeat(300)}\r\n${stamp(1n)} ok\r\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i += 13) chunks.push(input.subarray(i, i + 13));
    const lines = await assemble(chunks, { mode: 'raw', maxLineBytes: 100 });
    expect(lines.map((l) => [l.text, l.truncated, l.timeNanos])).toEqual([
      ['r'.repeat(100), true, BASE_NANOS],
      ['ok', false, BASE_NANOS + 1n],
    ]);
  });

  it('keeps interleaved stdout and stderr partial lines apart', async () => {
    const lines = await assemble([
      stamped(1, 0n, 'out-1 '),
      stamped(2, 1n, 'err-1 '),
      stamped(1, 2n, 'out-2 '),
      stamped(2, 3n, 'err-2\n'),
      stamped(1, 4n, 'out-3\n'),
    ]);
    expect(lines.map((l) => [l.stream, l.text, l.timeNanos])).toEqual([
      ['stderr', 'err-1 err-2', BASE_NANOS + 1n],
      ['stdout', 'out-1 out-2 out-3', BASE_NANOS],
    ]);
  });

  it('emits a last line without a newline at the end of the stream', async () => {
    const lines = await assemble([stamped(1, 0n, 'done\n'), stamped(2, 1n, 'no newline')]);
    expect(lines.map((l) => [l.stream, l.text, l.timeNanos])).toEqual([
      ['stdout', 'done', BASE_NANOS],
      ['stderr', 'no newline', BASE_NANOS + 1n],
    ]);
  });
});
