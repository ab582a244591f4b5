import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DockerClient, type DockerEvent, type LogLine } from '../src/docker/index.js';
import { AppError, ErrorCode } from '../src/errors.js';
import {
  frame,
  gate,
  MULTIPLEXED,
  RAW_STREAM,
  startFakeEngine,
  type FakeEngine,
  type FakeEngineScript,
  type Step,
} from './fakes/fake-engine.js';

const BASE_NANOS = 1_714_979_289_000_000_000n; // 2024-05-06T07:08:09Z

function stamp(offset: bigint): string {
  const nanos = BASE_NANOS + offset;
  const seconds = new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${(nanos % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

function stamped(streamType: number, offset: bigint, text: string): Buffer {
  return frame(streamType, `${stamp(offset)} ${text}`);
}

function header(bytes: [number, number, number, number], size: number): Buffer {
  const h = Buffer.from([...bytes, 0, 0, 0, 0]);
  h.writeUInt32BE(size, 4);
  return h;
}

const GOOD = Buffer.concat([stamped(1, 0n, 'first line\n'), stamped(2, 1n, 'second line\n')]);
const GOOD_LINES = [
  ['stdout', 'first line', BASE_NANOS],
  ['stderr', 'second line', BASE_NANOS + 1n],
];

interface Read<T> {
  items: T[];
  error: unknown;
}

/** Reads a stream to its end or its error; `onItem` sees the items so far. */
async function read<T>(stream: AsyncIterable<T>, onItem?: (items: T[]) => void): Promise<Read<T>> {
  const items: T[] = [];
  let error: unknown = null;
  try {
    for await (const item of stream) {
      items.push(item);
      onItem?.(items);
    }
  } catch (err) {
    error = err;
  }
  return { items, error };
}

const view = (lines: LogLine[]) => lines.map((l) => [l.stream, l.text, l.timeNanos]);

function expectAppError(error: unknown, code: ErrorCode): AppError {
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

const engines: FakeEngine[] = [];
const clients: DockerClient[] = [];
const streams: Readable[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

async function setup(
  script: FakeEngineScript,
): Promise<{ engine: FakeEngine; client: DockerClient }> {
  const engine = await startFakeEngine(script);
  engines.push(engine);
  const client = new DockerClient({ host: engine.host });
  clients.push(client);
  return { engine, client };
}

async function logs(client: DockerClient, options: Parameters<DockerClient['logs']>[1] = {}) {
  const stream = await client.logs('abc123', { follow: true, ...options });
  streams.push(stream);
  return stream;
}

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
});

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.destroy();
  for (const engine of engines.splice(0)) await engine.close();
  for (const client of clients.splice(0)) await client.close();
  // Let any stray error or rejection surface before checking.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

describe('DockerClient.logs against a fault-injecting engine', () => {
  it('reads a healthy multiplexed stream and asks for what it was told', async () => {
    const { engine, client } = await setup({
      logs: { steps: [{ write: GOOD }, { pause: 5 }, { write: stamped(1, 2n, 'third\n') }] },
    });
    const { items, error } = await read(
      await logs(client, { sinceNanos: BASE_NANOS + 5n, tail: 10 }),
    );
    expect(error).toBeNull();
    expect(view(items)).toEqual([...GOOD_LINES, ['stdout', 'third', BASE_NANOS + 2n]]);
    expect(items[0]!.timestamp).toBe('2024-05-06T07:08:09.000000000Z');
    expect(client.negotiatedApiVersion).toBe('1.45');
    const request = engine.requests.find((r) => r.path.endsWith('/logs'))!;
    expect(request.path).toBe('/v1.45/containers/abc123/logs');
    expect(Object.fromEntries(request.query)).toEqual({
      follow: '1',
      stdout: '1',
      stderr: '1',
      timestamps: '1',
      since: '1714979289.000000005',
      tail: '10',
    });
  });

  const faults: [string, Buffer, Step, ErrorCode, RegExp][] = [
    [
      'an unknown stream type',
      header([7, 0, 0, 0], 5),
      { hang: true },
      ErrorCode.DockerStreamCorrupt,
      /unknown stream type 7/,
    ],
    [
      'a 0xFFFFFFFF size',
      header([1, 0, 0, 0], 0xffffffff),
      { hang: true },
      ErrorCode.DockerStreamCorrupt,
      /frame size 4294967295/,
    ],
    [
      'non-zero header padding',
      header([2, 0, 9, 0], 5),
      { hang: true },
      ErrorCode.DockerStreamCorrupt,
      /padding/,
    ],
    [
      'a truncated frame, then EOF',
      stamped(1, 2n, 'this frame is cut short\n').subarray(0, 20),
      { end: true },
      ErrorCode.DockerStreamCorrupt,
      /ended inside a frame/,
    ],
    [
      'a stream-3 (daemon error) frame',
      frame(3, 'Error grabbing logs: log message is too large\n'),
      { hang: true },
      ErrorCode.DockerDaemonError,
      /Error grabbing logs: log message is too large/,
    ],
  ];

  it.each(faults)(
    'fails with a typed error on %s, after delivering the lines before it',
    async (_name, fault, then, code, message) => {
      const ready = gate();
      const { client } = await setup({
        logs: { steps: [{ write: GOOD }, { wait: ready.promise }, { write: fault }, then] },
      });
      const { items, error } = await read(await logs(client), (lines) => {
        if (lines.length === GOOD_LINES.length) ready.open();
      });
      expect(view(items)).toEqual(GOOD_LINES);
      expect(expectAppError(error, code).message).toMatch(message);
    },
  );

  it('fails fast on a 0xFFFFFFFF size header without buffering towards 4 GiB', async () => {
    const before = process.memoryUsage();
    const { engine, client } = await setup({
      logs: {
        steps: [
          { write: header([1, 0, 0, 0], 0xffffffff) },
          { write: 'x'.repeat(1024) },
          { hang: true },
        ],
      },
    });
    const { items, error } = await read(await logs(client));
    expectAppError(error, ErrorCode.DockerStreamCorrupt);
    expect(items).toEqual([]);
    // The engine never sends the payload nor ends the body (hang), so the error came
    // from the header alone, not from waiting for or buffering the announced 4 GiB.
    const after = process.memoryUsage();
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(512 * 1024 * 1024);
    // And the client let go of the connection.
    await vi.waitFor(() => expect(engine.openResponses()).toBe(0), { timeout: 10_000 });
  });

  it('types faults that arrive in the same burst as the lines before them', async () => {
    // Lines still buffered in the stream when the error arrives may be lost (the
    // pipeline is destroyed); what arrives must be a prefix, and the error typed.
    for (const [, fault, , code] of faults) {
      const { client } = await setup({
        logs: { steps: [{ write: Buffer.concat([GOOD, fault]) }] },
      });
      const { items, error } = await read(await logs(client));
      expectAppError(error, code);
      expect(view(items)).toEqual(GOOD_LINES.slice(0, items.length));
    }
  });

  it.each([
    ['mid-frame', stamped(1, 2n, 'a frame that never ends\n').subarray(0, 30)],
    ['between frames', Buffer.alloc(0)],
    ['inside a header', stamped(1, 2n, 'x\n').subarray(0, 3)],
  ])('surfaces a connection dropped %s as DOCKER_UNAVAILABLE', async (_name, partial) => {
    const ready = gate();
    const { client } = await setup({
      logs: {
        steps: [{ write: GOOD }, { wait: ready.promise }, { write: partial }, { destroy: true }],
      },
    });
    const { items, error } = await read(await logs(client), (lines) => {
      if (lines.length === GOOD_LINES.length) ready.open();
    });
    expect(view(items)).toEqual(GOOD_LINES);
    expectAppError(error, ErrorCode.DockerUnavailable);
  });

  it('keeps working after a fault: the next request on the same client succeeds', async () => {
    const { client } = await setup({
      logs: (id) =>
        id === 'broken'
          ? { steps: [{ write: header([9, 9, 9, 9], 1) }, { hang: true }] }
          : { steps: [{ write: GOOD }] },
    });
    const broken = await client.logs('broken', { follow: true });
    streams.push(broken);
    expectAppError((await read(broken)).error, ErrorCode.DockerStreamCorrupt);
    const { items, error } = await read(await logs(client));
    expect(error).toBeNull();
    expect(view(items)).toEqual(GOOD_LINES);
  });

  it('closes the connection when the consumer stops reading early', async () => {
    const { engine, client } = await setup({ logs: { steps: [{ write: GOOD }, { hang: true }] } });
    const stream = await logs(client);
    for await (const line of stream as AsyncIterable<LogLine>) {
      expect(line.text).toBe('first line');
      break;
    }
    expect(stream.destroyed).toBe(true);
    await vi.waitFor(() => expect(engine.openResponses()).toBe(0), { timeout: 10_000 });
  });

  it('maps 404 to DOCKER_CONTAINER_NOT_FOUND', async () => {
    const { client } = await setup({
      logs: { status: 404, json: { message: 'No such container: abc123' } },
    });
    const error = await logs(client).catch((err: unknown) => err);
    const err = expectAppError(error, ErrorCode.DockerContainerNotFound);
    expect(err.details).toEqual({ container: 'abc123' });
  });

  it('maps 501 to DOCKER_LOGS_UNAVAILABLE with the daemon’s message', async () => {
    const { client } = await setup({
      logs: {
        status: 501,
        json: { message: 'configured logging driver does not support reading' },
      },
    });
    const error = await logs(client).catch((err: unknown) => err);
    const err = expectAppError(error, ErrorCode.DockerLogsUnavailable);
    expect(err.message).toContain('configured logging driver does not support reading');
    expect(err.details).toEqual({ container: 'abc123', status: 501 });
  });

  it('maps another error status to DOCKER_API_ERROR', async () => {
    const { client } = await setup({ logs: { status: 500, json: { message: 'boom' } } });
    const error = await logs(client).catch((err: unknown) => err);
    const err = expectAppError(error, ErrorCode.DockerApiError);
    expect(err.message).toBe('docker API 500: boom');
  });

  it('reports an unreachable socket as DOCKER_UNAVAILABLE', async () => {
    const { engine } = await setup({});
    const missing = `unix://${join(engine.socketPath, '..', 'no-such.sock')}`;
    const client = new DockerClient({ host: missing });
    clients.push(client);
    const pinged = await client.ping().catch((err: unknown) => err);
    expect(expectAppError(pinged, ErrorCode.DockerUnavailable).message).toContain(missing);
    const logged = await client.logs('abc123').catch((err: unknown) => err);
    expectAppError(logged, ErrorCode.DockerUnavailable);
  });
});

describe('DockerClient.logs content types', () => {
  it('reads raw-stream (TTY) output as raw lines, \\r stripped, timestamps parsed', async () => {
    const tty = Buffer.from(`${stamp(0n)} hello\r\n${stamp(1n)} world\r\n`);
    const { client } = await setup({
      logs: {
        headers: { 'content-type': RAW_STREAM },
        steps: [{ write: tty.subarray(0, 10) }, { pause: 5 }, { write: tty.subarray(10) }],
      },
    });
    const { items, error } = await read(await logs(client));
    expect(error).toBeNull();
    expect(view(items)).toEqual([
      ['stdout', 'hello', BASE_NANOS],
      ['stdout', 'world', BASE_NANOS + 1n],
    ]);
  });

  it('sniffs frames under a raw-stream content type (older daemons)', async () => {
    const { client } = await setup({
      logs: { headers: { 'content-type': RAW_STREAM }, steps: [{ write: GOOD }] },
    });
    const { items, error } = await read(await logs(client));
    expect(error).toBeNull();
    expect(view(items)).toEqual(GOOD_LINES);
  });

  it('does not sniff under the multiplexed content type: plain text is corrupt', async () => {
    const { client } = await setup({
      logs: {
        headers: { 'content-type': MULTIPLEXED },
        steps: [{ write: `${stamp(0n)} hello from a tty\r\n` }, { hang: true }],
      },
    });
    const { items, error } = await read(await logs(client));
    expectAppError(error, ErrorCode.DockerStreamCorrupt);
    expect(items).toEqual([]);
  });

  it('lets the tty option override the content type', async () => {
    const tty = `${stamp(0n)} from a tty\r\n`;
    const { client } = await setup({
      logs: (id) =>
        id === 'tty'
          ? { headers: { 'content-type': MULTIPLEXED }, steps: [{ write: tty }] }
          : { headers: { 'content-type': RAW_STREAM }, steps: [{ write: GOOD }] },
    });
    const raw = await client.logs('tty', { tty: true });
    streams.push(raw);
    expect(view((await read(raw)).items)).toEqual([['stdout', 'from a tty', BASE_NANOS]]);
    const framed = await client.logs('framed', { tty: false });
    streams.push(framed);
    expect(view((await read(framed)).items)).toEqual(GOOD_LINES);
  });
});

describe('DockerClient.events against a fault-injecting engine', () => {
  const EVENTS: DockerEvent[] = [
    {
      Type: 'container',
      Action: 'start',
      Actor: { ID: 'c1', Attributes: { name: 'web' } },
      scope: 'local',
      time: 1714979289,
      timeNano: 1714979289000000000,
    },
    {
      Type: 'container',
      Action: 'die',
      Actor: { ID: 'c1', Attributes: { exitCode: '137' } },
      scope: 'local',
      time: 1714979290,
      timeNano: 1714979290000000000,
    },
  ];
  const NDJSON = Buffer.from(EVENTS.map((e) => `${JSON.stringify(e)}\n`).join(''));

  it('reads events split across writes, and passes since and filters', async () => {
    const { engine, client } = await setup({
      events: {
        steps: [
          { write: NDJSON.subarray(0, 17) },
          { pause: 5 },
          { write: NDJSON.subarray(17, 150) },
          { pause: 5 },
          { write: NDJSON.subarray(150) },
        ],
      },
    });
    const stream = await client.events({
      sinceNanos: BASE_NANOS + 42n,
      filters: { type: ['container'] },
    });
    streams.push(stream);
    const { items, error } = await read(stream);
    expect(error).toBeNull();
    expect(items).toEqual(EVENTS);
    const request = engine.requests.find((r) => r.path.endsWith('/events'))!;
    expect(request.path).toBe('/v1.45/events');
    expect(request.query.get('since')).toBe('1714979289.000000042');
    expect(JSON.parse(request.query.get('filters')!)).toEqual({ type: ['container'] });
  });

  it.each([
    [
      'an object over 1 MiB',
      `{"Type":"container","Action":"${'x'.repeat(1024 * 1024 + 10)}"}\n`,
      ErrorCode.DockerEventTooLarge,
    ],
    ['a line that is not JSON', '{"Type": container}\n', ErrorCode.DockerStreamCorrupt],
    ['a JSON null', 'null\n', ErrorCode.DockerStreamCorrupt],
  ])('fails with a typed error on %s, after the events before it', async (_name, fault, code) => {
    const ready = gate();
    const { client } = await setup({
      events: {
        steps: [{ write: NDJSON }, { wait: ready.promise }, { write: fault }, { hang: true }],
      },
    });
    const stream = await client.events();
    streams.push(stream);
    const { items, error } = await read(stream, (events) => {
      if (events.length === EVENTS.length) ready.open();
    });
    expect(items).toEqual(EVENTS);
    expectAppError(error, code);
  });
});
