import { describe, expect, it } from 'vitest';
import { logLine, type LogLine, type LogsOptions } from '../docker/index.js';
import { AppError, ErrorCode } from '../errors.js';
import { searchFilter } from '../rules/index.js';
import { LogSearch, type LogSource, type SearchFrame, type SearchQuery } from './search.js';

const line = (ns: bigint, text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine =>
  logLine({ stream, timestamp: `t${ns}`, timeNanos: ns, text });

/** Docker's logs endpoint over fixed batches per container; records each request. */
class FakeReader {
  readonly requests: { id: string; options: LogsOptions }[] = [];
  /** Containers whose streams were closed before their end. */
  readonly closed: string[] = [];
  constructor(private readonly logs: Record<string, LogLine[][]>) {}

  async logBatches(id: string, options: LogsOptions): Promise<AsyncIterable<LogLine[]>> {
    this.requests.push({ id, options });
    const batches = this.logs[id];
    if (!batches) throw new AppError(ErrorCode.DockerContainerNotFound, `no ${id}`);
    const closed = this.closed;
    return (async function* () {
      let done = false;
      try {
        for (const batch of batches) {
          if (options.signal?.aborted)
            throw Object.assign(new Error('aborted'), { name: 'AbortError' });
          yield batch;
        }
        done = true;
      } finally {
        if (!done) closed.push(id);
      }
    })();
  }
}

const source = (id: string): LogSource => ({ id, name: `/${id}`, tty: false });
const query = (q: Partial<SearchQuery> = {}): SearchQuery => ({
  filter: null,
  levels: null,
  limit: 500,
  ...q,
});

async function search(
  reader: FakeReader,
  ids: string[],
  q: SearchQuery,
  options: {
    limits?: ConstructorParameters<typeof LogSearch>[0]['limits'];
    now?: () => number;
  } = {},
) {
  const frames: SearchFrame[] = [];
  const s = new LogSearch({ docker: reader, ...options });
  const open = await s.open(ids.map(source), q, new AbortController().signal);
  const end = await open.run({ write: (f) => void frames.push(f) });
  return { frames, end, lines: frames.flatMap((f) => (f.type === 'line' ? [f.text] : [])) };
}

describe('LogSearch', () => {
  it('sends the lines the filter keeps, with level and container, then progress and end', async () => {
    const reader = new FakeReader({
      a: [[line(1n, 'ERROR needle-1'), line(2n, 'hay')], [line(3n, 'NEEDLE-22 info', 'stderr')]],
    });
    const { frames, end } = await search(
      reader,
      ['a'],
      query({ filter: searchFilter('needle', false) }),
    );
    expect(frames.filter((f) => f.type === 'line')).toEqual([
      {
        type: 'line',
        container_id: 'a',
        container_name: '/a',
        stream: 'stdout',
        timestamp: 't1',
        text: 'ERROR needle-1',
        level: 'error',
      },
      {
        type: 'line',
        container_id: 'a',
        container_name: '/a',
        stream: 'stderr',
        timestamp: 't3',
        text: 'NEEDLE-22 info',
        level: null,
      },
    ]);
    expect(frames.at(-2)).toEqual({
      type: 'progress',
      lines_scanned: 3,
      bytes_scanned: 31,
      reached: 't3',
    });
    expect(end).toEqual({ type: 'end', reason: 'complete', lines_scanned: 3, matched: 2 });
    expect(frames.at(-1)).toEqual(end);
    expect(reader.requests[0]!.options).toMatchObject({
      follow: false,
      timestamps: true,
      stdout: true,
      stderr: true,
    });
  });

  it('matches RE2 patterns, and filters by level', async () => {
    const reader = new FakeReader({
      a: [[line(1n, 'WARN needle-4711'), line(2n, 'ERROR needle-x'), line(3n, 'needle-5 plain')]],
    });
    const re = searchFilter('needle-\\d+', true);
    expect((await search(reader, ['a'], query({ filter: re }))).lines).toEqual([
      'WARN needle-4711',
      'needle-5 plain',
    ]);
    const levels = new Set(['warn', 'error'] as const);
    expect((await search(reader, ['a'], query({ filter: re, levels }))).lines).toEqual([
      'WARN needle-4711',
    ]);
  });

  it('asks Docker for one stream and the time range', async () => {
    const reader = new FakeReader({ a: [] });
    await search(reader, ['a'], query({ stream: 'stderr', sinceNanos: 5n, untilNanos: 9n }));
    expect(reader.requests[0]!.options).toMatchObject({
      stdout: false,
      stderr: true,
      sinceNanos: 5n,
      untilNanos: 9n,
    });
  });

  it('stops at the limit and closes the Docker stream', async () => {
    const reader = new FakeReader({
      a: [[line(1n, 'x1'), line(2n, 'x2'), line(3n, 'x3')], [line(4n, 'x4')]],
    });
    const { lines, end } = await search(reader, ['a'], query({ limit: 2 }));
    expect(lines).toEqual(['x1', 'x2']);
    expect(end).toMatchObject({ reason: 'limit', matched: 2, lines_scanned: 2 });
    expect(reader.closed).toEqual(['a']);
  });

  it('stops after the lines it may scan, and after its time', async () => {
    const many = [[line(1n, 'a'), line(2n, 'b')], [line(3n, 'c')], [line(4n, 'd')]];
    const scan = await search(
      new FakeReader({ a: many }),
      ['a'],
      query({ filter: searchFilter('zzz', false) }),
      {
        limits: { maxLinesScanned: 3 },
      },
    );
    expect(scan.end).toMatchObject({ reason: 'scan_limit', lines_scanned: 3, matched: 0 });

    let clock = 0;
    const timed = await search(new FakeReader({ a: many }), ['a'], query(), {
      limits: { maxMs: 100 },
      now: () => (clock += 60),
    });
    expect(timed.end).toMatchObject({ reason: 'time_limit', lines_scanned: 3 });
  });

  it('sends progress while scanning', async () => {
    let clock = 0;
    const batches = Array.from({ length: 4 }, (_, i) => [line(BigInt(i), `l${i}`)]);
    const { frames } = await search(
      new FakeReader({ a: batches }),
      ['a'],
      query({ filter: searchFilter('nothing', false) }),
      {
        limits: { progressMs: 100 },
        now: () => (clock += 100),
      },
    );
    expect(
      frames
        .filter((f) => f.type === 'progress')
        .map((f) => (f.type === 'progress' ? f.lines_scanned : 0)),
    ).toEqual([1, 2, 3, 4, 4]);
  });

  it('keeps only the last `tail` results up to the end of the read', async () => {
    const reader = new FakeReader({
      a: [
        [line(1n, 'm1'), line(2n, 'x'), line(3n, 'm2')],
        [line(4n, 'm3'), line(5n, 'm4')],
      ],
    });
    const { lines, end } = await search(
      reader,
      ['a'],
      query({ tail: 2, filter: searchFilter('m', true), limit: 1 }),
    );
    expect(lines).toEqual(['m3', 'm4']);
    expect(end).toMatchObject({ reason: 'complete', matched: 4 });
  });

  it('gives the lines a tail keeps their level, with and without a level filter', async () => {
    const reader = new FakeReader({
      a: [[line(1n, 'WARN a'), line(2n, 'ERROR b'), line(3n, 'plain c'), line(4n, 'WARN d')]],
    });
    const levels = (frames: SearchFrame[]) =>
      frames.flatMap((f) => (f.type === 'line' ? [[f.text, f.level]] : []));
    const all = await search(reader, ['a'], query({ tail: 3 }));
    expect(levels(all.frames)).toEqual([
      ['ERROR b', 'error'],
      ['plain c', null],
      ['WARN d', 'warn'],
    ]);
    const warnings = await search(reader, ['a'], query({ tail: 1, levels: new Set(['warn']) }));
    expect(levels(warnings.frames)).toEqual([['WARN d', 'warn']]);
  });

  it('lets older tail lines give way to the byte bound', async () => {
    const reader = new FakeReader({ a: [[line(1n, 'aaaa'), line(2n, 'bbbb'), line(3n, 'cccc')]] });
    const { lines } = await search(reader, ['a'], query({ tail: 3 }), {
      limits: { maxTailBytes: 8 },
    });
    expect(lines).toEqual(['bbbb', 'cccc']);
  });

  it('merges the logs of many containers by timestamp, ties to the first listed', async () => {
    const reader = new FakeReader({
      a: [
        [line(1n, 'a1'), line(4n, 'a4')],
        [line(5n, 'a5'), line(9n, 'a9')],
      ],
      b: [[line(2n, 'b2'), line(3n, 'b3'), line(5n, 'b5')], [line(6n, 'b6')]],
      c: [[line(0n, 'c0')], [], [line(10n, 'c10')]],
    });
    const { frames, end } = await search(reader, ['a', 'b', 'c', 'gone'], query());
    const lines = frames.flatMap((f) => (f.type === 'line' ? [`${f.container_id}:${f.text}`] : []));
    expect(lines).toEqual([
      'c:c0',
      'a:a1',
      'b:b2',
      'b:b3',
      'a:a4',
      'a:a5',
      'b:b5',
      'b:b6',
      'a:a9',
      'c:c10',
    ]);
    expect(end).toMatchObject({ reason: 'complete', lines_scanned: 10 });
  });

  it('fails to open a single container Docker does not know', async () => {
    const s = new LogSearch({ docker: new FakeReader({}) });
    await expect(
      s.open([source('gone')], query(), new AbortController().signal),
    ).rejects.toMatchObject({
      code: ErrorCode.DockerContainerNotFound,
    });
  });

  it('ends as cancelled, writing only the end frame, when the client leaves', async () => {
    const reader = new FakeReader({ a: [[line(1n, 'x1')], [line(2n, 'x2')], [line(3n, 'x3')]] });
    const client = new AbortController();
    const frames: SearchFrame[] = [];
    const open = await new LogSearch({ docker: reader }).open(
      [source('a')],
      query(),
      client.signal,
    );
    const end = await open.run({
      write: (f) => {
        frames.push(f);
        client.abort();
      },
    });
    expect(end).toMatchObject({ reason: 'cancelled', lines_scanned: 1 });
    expect(frames.map((f) => f.type)).toEqual(['line', 'end']);
    expect(frames.at(-1)).toEqual(end);
    expect(reader.closed).toEqual(['a']);
  });

  it('reads nothing for a client gone before the search opened', async () => {
    const reader = new FakeReader({ a: [[line(1n, 'x1')], [line(2n, 'x2')]] });
    const frames: SearchFrame[] = [];
    const open = await new LogSearch({ docker: reader }).open(
      [source('a')],
      query(),
      AbortSignal.abort(),
    );
    expect(reader.requests[0]!.options.signal!.aborted).toBe(true);
    const end = await open.run({ write: (f) => void frames.push(f) });
    expect(end).toMatchObject({ reason: 'cancelled', lines_scanned: 0, matched: 0 });
    expect(frames).toEqual([end]);
  });

  it('ends with an error frame when Docker fails mid-read', async () => {
    const failing = {
      logBatches: async () =>
        (async function* () {
          yield [line(1n, 'x')];
          throw new AppError(ErrorCode.DockerUnavailable, 'engine went away');
        })(),
    };
    const frames: SearchFrame[] = [];
    const open = await new LogSearch({ docker: failing }).open(
      [source('a')],
      query(),
      new AbortController().signal,
    );
    const end = await open.run({ write: (f) => void frames.push(f) });
    expect(end).toMatchObject({
      reason: 'error',
      code: 'DOCKER_UNAVAILABLE',
      message: 'engine went away',
    });
    expect(frames.at(-1)).toEqual(end);
  });
});
