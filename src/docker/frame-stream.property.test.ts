import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDemuxer, type DemuxMode, type LogStreamName } from './frame-demuxer.js';
import { LineAssembler, LogLineBatcher, type LogLine } from './line-assembler.js';

const NS = 1_000_000_000n;

/** RFC3339Nano as Docker writes it: a fixed 9-digit fraction, or Go's trimmed form. */
function rfc3339(nanos: bigint, trimmed: boolean): string {
  const seconds = new Date(Number(nanos / NS) * 1000).toISOString().slice(0, 19);
  const fraction = (nanos % NS).toString().padStart(9, '0');
  if (!trimmed) return `${seconds}.${fraction}Z`;
  const short = fraction.replace(/0+$/, '');
  return short ? `${seconds}.${short}Z` : `${seconds}Z`;
}

function frame(streamType: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = streamType;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Cuts `input` into consecutive chunks of the given sizes, repeated as needed. */
function chunk(input: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    chunks.push(input.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

interface RunOptions {
  mode: DemuxMode;
  timestamps: boolean;
  maxLineBytes?: number;
}

async function run(chunks: Buffer[], options: RunOptions): Promise<LogLine[]> {
  const assembler = new LineAssembler({
    timestamps: options.timestamps,
    maxLineBytes: options.maxLineBytes,
  });
  const lines: LogLine[] = [];
  await Promise.all([
    (async () => {
      for await (const line of assembler as AsyncIterable<LogLine>) lines.push(line);
    })(),
    pipeline(Readable.from(chunks), new FrameDemuxer(options.mode), assembler),
  ]);
  // The scanner's one-step batcher makes exactly the same lines, however chunked.
  const batcher = new LogLineBatcher(options.mode, {
    timestamps: options.timestamps,
    maxLineBytes: options.maxLineBytes,
  });
  const batched: LogLine[] = [];
  await Promise.all([
    (async () => {
      for await (const batch of batcher as AsyncIterable<LogLine[]>) batched.push(...batch);
    })(),
    pipeline(Readable.from(chunks), batcher),
  ]);
  expect(batched.map(full)).toEqual(lines.map(full));
  return lines;
}

const full = (l: LogLine) => ({
  stream: l.stream,
  seconds: l.seconds,
  nanos: l.nanos,
  timestamp: l.timestamp,
  timeNanos: l.timeNanos,
  hex: l.bytes.toString('hex'),
  text: l.text,
  truncated: l.truncated,
});

interface Expected {
  stream: LogStreamName;
  text: string;
  timestamp: string | null;
  timeNanos: bigint | null;
}

const view = (lines: LogLine[]): Expected[] =>
  lines.map(({ stream, text, timestamp, timeNanos }) => ({ stream, text, timestamp, timeNanos }));

/** Line contents: arbitrary bytes or arbitrary Unicode, never a newline. */
const content = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a.filter((b) => b !== 0x0a))),
  fc.string({ unit: 'binary', maxLength: 120 }).map((s) => Buffer.from(s.replace(/\n/g, ''))),
);

const chunkings = fc.array(fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1 }), {
  minLength: 1,
  maxLength: 4,
});

const clock = fc.record({
  start: fc.bigInt({ min: 0n, max: 4_000_000_000n * NS }),
  step: fc.constantFrom(0n, 1n, 1_000n, 1_000_000n, NS, 123_456_789n),
  trimmed: fc.boolean(),
});

describe('FrameDemuxer → LineAssembler properties', () => {
  it('yields the same lines for every chunking of a multiplexed stream, and the expected ones', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ streamType: fc.constantFrom(1, 2), content }), { maxLength: 12 }),
        fc.integer({ min: 8, max: 100 }),
        fc.array(fc.boolean(), { maxLength: 200 }),
        fc.boolean(),
        clock,
        chunkings,
        async (lines, pieceBytes, interleave, emptyLastPiece, time, splits) => {
          // Each line as Docker frames it: pieces of `pieceBytes`, only the last with \n.
          const queues: Record<number, { streamType: number; payload: Buffer; ends?: number }[]> = {
            1: [],
            2: [],
          };
          lines.forEach(({ streamType, content }, index) => {
            const pieces: Buffer[] = [];
            for (let at = 0; at < content.length; at += pieceBytes) {
              pieces.push(content.subarray(at, at + pieceBytes));
            }
            if (pieces.length === 0 || (emptyLastPiece && content.length % pieceBytes === 0)) {
              pieces.push(Buffer.alloc(0));
            }
            pieces.forEach((payload, i) => {
              queues[streamType]!.push({
                streamType,
                payload,
                ends: i === pieces.length - 1 ? index : undefined,
              });
            });
          });

          // Interleave stdout and stderr frames; a line is complete at its last frame.
          const frames: Buffer[] = [];
          const expected: Expected[] = [];
          // The first frame of the line in progress, per stream type.
          const lineStart = new Map<number, { timestamp: string; nanos: bigint }>();
          let pick = 0;
          while (queues[1]!.length > 0 || queues[2]!.length > 0) {
            const preferOut = interleave[pick++ % Math.max(1, interleave.length)] ?? true;
            const queue =
              (preferOut && queues[1]!.length > 0) || queues[2]!.length === 0
                ? queues[1]!
                : queues[2]!;
            const next = queue.shift()!;
            const nanos = time.start + BigInt(frames.length) * time.step;
            const timestamp = rfc3339(nanos, time.trimmed);
            if (!lineStart.has(next.streamType))
              lineStart.set(next.streamType, { timestamp, nanos });
            const last = next.ends !== undefined;
            frames.push(
              frame(
                next.streamType,
                Buffer.concat([
                  Buffer.from(`${timestamp} `),
                  next.payload,
                  Buffer.from(last ? '\n' : ''),
                ]),
              ),
            );
            if (last) {
              const start = lineStart.get(next.streamType)!;
              lineStart.delete(next.streamType);
              expected.push({
                stream: next.streamType === 1 ? 'stdout' : 'stderr',
                text: lines[next.ends!]!.content.toString('utf8'),
                timestamp: start.timestamp,
                timeNanos: start.nanos,
              });
            }
          }

          const input = Buffer.concat(frames);
          const options: RunOptions = { mode: 'framed', timestamps: true };
          const whole = view(await run([input], options));
          expect(whole).toEqual(expected);
          for (const sizes of splits) {
            expect(view(await run(chunk(input, sizes), options))).toEqual(whole);
          }
          // A multiplexed stream is recognised in 'auto' mode too.
          if (input.length > 0) {
            expect(view(await run(chunk(input, splits[0]!), { ...options, mode: 'auto' }))).toEqual(
              whole,
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('cuts long lines the same way for every chunking, at a character boundary', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 8, max: 70 }),
        chunkings,
        async (strings, maxLineBytes, pieceBytes, splits) => {
          const contents = strings.map((s) => Buffer.from(s.replace(/\n/g, '')));
          const frames: Buffer[] = [];
          for (const line of contents) {
            const pieces: Buffer[] = [];
            for (let at = 0; at < line.length; at += pieceBytes) {
              pieces.push(line.subarray(at, at + pieceBytes));
            }
            if (pieces.length === 0) pieces.push(Buffer.alloc(0));
            pieces.forEach((piece, i) => {
              const end = i === pieces.length - 1 ? '\n' : '';
              const payload = Buffer.concat([
                Buffer.from('2024-02-29T12:00:00.000000001Z '),
                piece,
                Buffer.from(end),
              ]);
              frames.push(frame(1, payload));
            });
          }
          const input = Buffer.concat(frames);
          const options: RunOptions = { mode: 'framed', timestamps: true, maxLineBytes };
          const whole = await run([input], options);
          expect(whole).toHaveLength(contents.length);
          whole.forEach((line, i) => {
            const original = contents[i]!;
            expect(line.truncated).toBe(original.length > maxLineBytes);
            expect(line.bytes.length).toBeLessThanOrEqual(maxLineBytes);
            expect(original.subarray(0, line.bytes.length)).toEqual(line.bytes);
            // Valid UTF-8 in, so a cut that leaves no half character re-encodes exactly.
            expect(line.text).toBe(original.subarray(0, line.bytes.length).toString('utf8'));
            expect(Buffer.from(line.text).toString('hex')).toBe(line.bytes.toString('hex'));
            if (line.truncated) expect(line.bytes.length).toBeGreaterThan(maxLineBytes - 4);
          });
          for (const sizes of splits) {
            const split = await run(chunk(input, sizes), options);
            expect(split.map((l) => [l.bytes.toString('hex'), l.truncated])).toEqual(
              whole.map((l) => [l.bytes.toString('hex'), l.truncated]),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads TTY (raw) output the same way for every chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(content, { maxLength: 10 }),
        fc.boolean(),
        clock,
        chunkings,
        async (contents, finalNewline, time, splits) => {
          const parts: Buffer[] = [];
          const expected: Expected[] = [];
          contents.forEach((line, i) => {
            const nanos = time.start + BigInt(i) * time.step;
            const timestamp = rfc3339(nanos, time.trimmed);
            const end = i < contents.length - 1 || finalNewline ? '\r\n' : '';
            parts.push(Buffer.from(`${timestamp} `), line, Buffer.from(end));
            const visible = Buffer.from(line.filter((b) => b !== 0x0d));
            expected.push({
              stream: 'stdout',
              text: visible.toString(),
              timestamp,
              timeNanos: nanos,
            });
          });
          const input = Buffer.concat(parts);
          const options: RunOptions = { mode: 'raw', timestamps: true };
          const whole = view(await run([input], options));
          expect(whole).toEqual(expected);
          for (const sizes of splits) {
            expect(view(await run(chunk(input, sizes), options))).toEqual(whole);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
