import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../errors.js';
import { MAX_EVENT_BYTES, NdjsonSplitter } from './ndjson.js';

interface Result {
  objects: unknown[];
  error: unknown;
}

/** Writes the chunks one by one (flowing, so every object is seen as it is pushed). */
async function split(chunks: (Buffer | string)[], maxObjectBytes?: number): Promise<Result> {
  const splitter = new NdjsonSplitter(maxObjectBytes);
  const objects: unknown[] = [];
  splitter.on('data', (object: unknown) => objects.push(object));
  const settled = new Promise<unknown>((resolve) => {
    splitter.on('end', () => resolve(null));
    splitter.on('error', resolve);
  });
  for (const chunk of chunks) {
    if (splitter.destroyed) break;
    splitter.write(Buffer.from(chunk));
  }
  if (!splitter.destroyed) splitter.end();
  return { objects, error: await settled };
}

function expectCode(error: unknown, code: ErrorCode): AppError {
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const events = [
  { Type: 'container', Action: 'start', Actor: { ID: 'a1', Attributes: { name: 'web' } } },
  { Type: 'container', Action: 'die', Actor: { ID: 'a1', Attributes: { exitCode: '1' } } },
  { Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: { ünï: '✓' } } },
];
const ndjson = events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe('NdjsonSplitter', () => {
  it('parses several objects from one chunk', async () => {
    const { objects, error } = await split([ndjson]);
    expect(error).toBeNull();
    expect(objects).toEqual(events);
  });

  it('reassembles objects split at any byte, including inside a UTF-8 character', async () => {
    const bytes = Buffer.from(ndjson);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }),
        async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          const { objects, error } = await split(chunks);
          expect(error).toBeNull();
          expect(objects).toEqual(events);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ignores blank and whitespace-only lines, and takes \\r\\n endings', async () => {
    const { objects, error } = await split(['\n\n{"a":1}\r\n', '   \n', '\t\n{"b"', ':2}\n\n']);
    expect(error).toBeNull();
    expect(objects).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('emits a final object without a trailing newline', async () => {
    const { objects, error } = await split(['{"a":1}\n{"b":', '2}']);
    expect(error).toBeNull();
    expect(objects).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('rejects an object over the cap with DOCKER_EVENT_TOO_LARGE, after the earlier ones', async () => {
    const big = JSON.stringify({ x: 'y'.repeat(200) });
    const { objects, error } = await split(['{"a":1}\n', big.slice(0, 50), big.slice(50)], 100);
    const err = expectCode(error, ErrorCode.DockerEventTooLarge);
    expect(err.details).toEqual({ limit: 100 });
    expect(objects).toEqual([{ a: 1 }]);
  });

  it('rejects an endless line (no newline) before it grows past the cap', async () => {
    const chunks = Array.from({ length: 20 }, () => 'z'.repeat(64 * 1024));
    const { objects, error } = await split(chunks);
    expectCode(error, ErrorCode.DockerEventTooLarge);
    expect(objects).toEqual([]);
    expect(MAX_EVENT_BYTES).toBe(1024 * 1024);
  });

  it('accepts an object of exactly the cap', async () => {
    const exact = JSON.stringify({ x: 'y'.repeat(92) });
    expect(exact).toHaveLength(100);
    const { objects, error } = await split([`${exact}\n`], 100);
    expect(error).toBeNull();
    expect(objects).toEqual([{ x: 'y'.repeat(92) }]);
  });

  it('rejects invalid JSON with DOCKER_STREAM_CORRUPT, after the valid objects before it', async () => {
    const { objects, error } = await split(['{"a":1}\n{"b": nope}\n{"c":3}\n']);
    const err = expectCode(error, ErrorCode.DockerStreamCorrupt);
    expect(err.details).toEqual({ excerpt: '{"b": nope}' });
    expect(err.cause).toBeInstanceOf(SyntaxError);
    expect(objects).toEqual([{ a: 1 }]);
  });

  it.each(['null', '42', '"text"'])(
    'rejects %s (valid JSON, not an object) with DOCKER_STREAM_CORRUPT',
    async (line) => {
      const { objects, error } = await split([`{"a":1}\n${line}\n{"b":2}\n`]);
      expectCode(error, ErrorCode.DockerStreamCorrupt);
      expect(objects).toEqual([{ a: 1 }]);
    },
  );
});
