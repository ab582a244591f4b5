import { connect, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { frame, startFakeEngine } from '../../../test/fakes/fake-engine.js';
import { eventually } from '../../../test/support/eventually.js';
import { actingAs } from '../../../test/support/test-principals.js';
import { DockerClient, logLine, type LogLine, type LogsOptions } from '../../docker/index.js';
import { AppError } from '../../errors.js';
import type { ContainerRecord } from '../../inventory/index.js';
import { LogSearch, type LogBatchReader } from '../../logs/search.js';
import { buildServer } from '../server.js';
import { LogsApi } from '../wire/logs.js';
import { logsRoutes } from './logs.js';

const container = (id: string, extra: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id,
  name: `/${id}`,
  image: 'busybox',
  workload_id: 'shop',
  compose_service: null,
  labels: {},
  state: 'running',
  exit_code: null,
  health: null,
  restart_count: 0,
  started_at: null,
  finished_at: null,
  last_seen_at: 0,
  logs_available: true,
  tty: false,
  ...extra,
});

const line = (ns: number, text: string): LogLine =>
  logLine({
    stream: 'stdout',
    timestamp: `2026-12-01T00:00:00.00000000${ns}Z`,
    timeNanos: BigInt(ns),
    text,
  });

const LOGS: Record<string, LogLine[]> = {
  api: [line(1, 'ERROR needle-1'), line(3, 'hay'), line(5, 'needle-5')],
  web: [line(2, 'needle-2 from web'), line(4, 'WARN needle-4')],
};

/** Docker logs from LOGS; `hold` keeps a read open until its signal aborts. */
function reader(hold = false) {
  const state = { open: 0, requests: [] as LogsOptions[] };
  const docker: LogBatchReader = {
    logBatches: async (id, options) => {
      state.requests.push(options);
      state.open++;
      return (async function* () {
        try {
          yield LOGS[id] ?? [];
          if (hold)
            await new Promise((_, reject) =>
              options.signal!.addEventListener('abort', () => reject(new Error('aborted'))),
            );
        } finally {
          state.open--;
        }
      })();
    },
  };
  return { state, docker };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(
  docker: LogBatchReader,
  maxPerUser?: number,
  deadlineMs?: number,
): Promise<FastifyInstance> {
  const server = await buildServer({
    logger: pino({ level: 'silent' }),
    authenticator: actingAs(),
    routes: [
      logsRoutes({
        search: new LogSearch({ docker }),
        containers: {
          find: async (id) =>
            id === 'gone' ? null : { ...container(id), host_id: id === 'far' ? 'web-1' : null },
          list: async () => [
            container('api'),
            container('web'),
            container('old', { state: 'missing' }),
            { ...container('far'), host_id: 'web-1' },
          ],
        },
        workloads: {
          get: async (id) => {
            if (id !== 'shop') throw AppError.notFound('workload', id);
            return { id, name: 'Shop', source: 'compose', created_at: 0 } as never;
          },
        },
        ...(maxPerUser ? { maxPerUser } : {}),
        ...(deadlineMs ? { deadlineMs } : {}),
      }),
    ],
  });
  cleanups.push(() => server.close());
  return server;
}

const ndjson = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('GET /api/containers/:id/logs', () => {
  it('streams matching lines as NDJSON, then progress and end', async () => {
    const server = await app(reader().docker);
    const res = await server.inject(
      '/api/containers/api/logs?q=needle-%5Cd%2B&regex=true&since=1764547200&until=2026-12-01T01:00:00Z',
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toBeUndefined();
    const frames = ndjson(res.body);
    expect(frames.map((f) => f.type)).toEqual(['line', 'line', 'progress', 'end']);
    expect(frames[0]).toMatchObject({
      container_id: 'api',
      text: 'ERROR needle-1',
      level: 'error',
    });
    expect(frames.at(-1)).toEqual({
      type: 'end',
      reason: 'complete',
      lines_scanned: 3,
      matched: 2,
    });
  });

  it('passes since, until and stream on to Docker', async () => {
    const r = reader();
    const server = await app(r.docker);
    await server.inject(
      '/api/containers/api/logs?since=1764547200.5&until=1764547201&stream=stderr',
    );
    expect(r.state.requests[0]).toMatchObject({
      sinceNanos: 1764547200_500000000n,
      untilNanos: 1764547201_000000000n,
      stdout: false,
      stderr: true,
      follow: false,
    });
  });

  it.each([
    ['q=(%3F%3Dx)&regex=true', 'q', /^q: .+/],
    ['since=yesterday', 'since', /^since: must be an RFC3339 time/],
    ['until=1969-12-31T23:59:59Z', 'until', /^until: must not be before 1970/],
    ['since=1764547300&until=1764547200', 'until', /before since/],
    ['level=error,loud', 'level', /not loud/],
    ['limit=0', 'limit', /limit/],
    ['format=xml', 'format', /format/],
  ])('refuses %s naming the parameter', async (query, field, message) => {
    const server = await app(reader().docker);
    const res = await server.inject(`/api/containers/api/logs?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ field });
    expect(res.json().error.message).toMatch(message);
  });

  it('says which container was not found', async () => {
    const res = await (await app(reader().docker)).inject('/api/containers/gone/logs');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/container gone not found/);
  });

  it("refuses to read back a container of an agent's host, saying where it runs", async () => {
    const r = reader();
    const res = await (await app(r.docker)).inject('/api/containers/far/logs');
    expect(res.json().error).toMatchObject({ code: 'DOCKER_LOGS_UNAVAILABLE' });
    expect(res.json().error.message).toMatch(/runs on host web-1/);
    expect(r.state.requests).toHaveLength(0);
  });

  it('downloads as text or JSONL, with a file name', async () => {
    const server = await app(reader().docker);
    const text = await server.inject(
      '/api/containers/api/logs?format=text&download=true&level=error',
    );
    expect(text.headers['content-disposition']).toBe('attachment; filename="api.log"');
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.body).toBe('2026-12-01T00:00:00.000000001Z ERROR needle-1\n');
    const jsonl = await server.inject('/api/containers/api/logs?format=jsonl&limit=1');
    expect(jsonl.headers['content-disposition']).toBeUndefined();
    expect(ndjson(jsonl.body)).toEqual([
      {
        container_id: 'api',
        container_name: '/api',
        stream: 'stdout',
        timestamp: '2026-12-01T00:00:00.000000001Z',
        text: 'ERROR needle-1',
        level: 'error',
      },
      { type: 'end', reason: 'limit', lines_scanned: 1, matched: 1 },
    ]);
  });

  it('caps searches per user with 429, and frees the slot and the Docker read when the client leaves', async () => {
    const r = reader(true);
    const server = await app(r.docker, 1);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.addresses()[0] as AddressInfo).port}/api/containers/api/logs`;
    const client = new AbortController();
    const first = await fetch(url, { signal: client.signal });
    expect(first.status).toBe(200);
    const body = first.body!.getReader();
    const chunk = new TextDecoder().decode((await body.read()).value);
    expect(chunk).toContain('needle-1');
    const second = await fetch(url);
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe(
      'STREAM_LIMIT_REACHED',
    );
    client.abort();
    await eventually(() => r.state.open === 0, 5000, 'the Docker read closed');
    await eventually(async () => (await fetch(`${url}?limit=1`)).status === 200, 5000, 'slot back');
  });
});

describe('a client leaving, as the engine sees it', () => {
  it('closes the logs response on the engine side', async () => {
    const engine = await startFakeEngine({
      logs: {
        steps: [{ write: frame(1, '2026-12-01T00:00:00.000000001Z needle-1\n') }, { hang: true }],
      },
    });
    const docker = new DockerClient({ host: engine.host });
    cleanups.push(
      () => engine.close(),
      () => docker.close(),
    );
    const server = await app(docker);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.addresses()[0] as AddressInfo).port;
    const client = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/containers/api/logs?q=needle`, {
      signal: client.signal,
    });
    const first = new TextDecoder().decode((await res.body!.getReader().read()).value);
    expect(first).toContain('"text":"needle-1"');
    expect(engine.openResponses()).toBe(1);
    client.abort();
    await eventually(() => engine.openResponses() === 0, 5000, 'the engine saw the request end');
    expect(engine.requests.filter((r) => r.path.endsWith('/logs'))[0]!.query.get('follow')).toBe(
      '0',
    );
  });
});

/** Docker logs that never end, in 64 KiB lines, until the read is aborted. */
function flood() {
  const state = { open: 0 };
  const text = 'x'.repeat(64 * 1024);
  const docker: LogBatchReader = {
    logBatches: async (_id, options) => {
      state.open++;
      return (async function* () {
        try {
          for (let ns = 1; !options.signal?.aborted; ns++) yield [line(ns, text)];
        } finally {
          state.open--;
        }
      })();
    },
  };
  return { state, docker };
}

/** A client that asks for a search and never reads the answer: the server's writes stop draining. */
function stalledClient(port: number) {
  const socket = connect(port, '127.0.0.1');
  socket.pause();
  socket.write(`GET /api/containers/api/logs?limit=100000 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  cleanups.push(() => socket.destroy());
}

describe('a client that stops reading', () => {
  it('is cut at the deadline: the Docker read ends and the slot comes back', async () => {
    const r = flood();
    const server = await app(r.docker, 1, 300);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.addresses()[0] as AddressInfo).port;
    stalledClient(port);
    await eventually(() => r.state.open === 1, 5000, 'the search started');
    await eventually(() => r.state.open === 0, 5000, 'the deadline ended the Docker read');
    const next = await fetch(`http://127.0.0.1:${port}/api/containers/api/logs?limit=1`);
    expect(next.status).toBe(200);
    await next.body?.cancel();
  });

  it('does not hold the server open at shutdown, and tells a reading client it was cancelled', async () => {
    const r = flood();
    const server = await app(r.docker);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.addresses()[0] as AddressInfo).port;
    stalledClient(port);
    // A client that reads everything, keeping only the tail, where the end frame lands.
    const reading = connect(port, '127.0.0.1');
    cleanups.push(() => reading.destroy());
    reading.write(
      `GET /api/containers/api/logs?limit=100000 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    let tail = '';
    reading.setEncoding('latin1');
    reading.on('data', (chunk: string) => (tail = (tail + chunk).slice(-1024)));
    const closed = new Promise((resolve) => reading.on('close', resolve));
    await eventually(() => r.state.open === 2, 5000, 'both searches started');
    await server.close();
    await eventually(() => r.state.open === 0, 5000, 'the Docker reads ended');
    await closed;
    expect(tail).toMatch(/\{"type":"end","reason":"cancelled",[^\n]*\}\n\r\n0\r\n\r\n$/);
  });
});

describe('GET /api/workloads/:id/logs', () => {
  it("merges the workload's containers by timestamp, leaving out removed ones and other hosts'", async () => {
    const r = reader();
    const server = await app(r.docker);
    const res = await server.inject('/api/workloads/shop/logs?q=needle');
    const lines = ndjson(res.body).filter((f) => f.type === 'line');
    expect(lines.map((f) => [f.container_name, f.text])).toEqual([
      ['/api', 'ERROR needle-1'],
      ['/web', 'needle-2 from web'],
      ['/web', 'WARN needle-4'],
      ['/api', 'needle-5'],
    ]);
    expect(r.state.requests).toHaveLength(2);
    const text = await server.inject('/api/workloads/shop/logs?q=needle&format=text&limit=2');
    expect(text.body).toBe(
      '2026-12-01T00:00:00.000000001Z api ERROR needle-1\n2026-12-01T00:00:00.000000002Z web needle-2 from web\n# logwarden: stopped early (limit) after 2 lines scanned\n',
    );
  });

  it('answers 400 naming the parameter, as its schema says', async () => {
    const res = await (await app(reader().docker)).inject('/api/workloads/shop/logs?level=loud');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { field: 'level' } });
    expect(Object.keys(LogsApi.workload.response)).toContain('400');
  });

  it('answers 404 for an unknown workload', async () => {
    const res = await (await app(reader().docker)).inject('/api/workloads/nope/logs');
    expect(res.statusCode).toBe(404);
  });
});
