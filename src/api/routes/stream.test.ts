import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestStore } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import { openSse, type SseConnection, type SseMessage } from '../../../test/support/sse-client.js';
import {
  actingAs,
  ADMIN,
  TEST_AUTH_OPTIONS,
  VIEWER,
} from '../../../test/support/test-principals.js';
import { AuthService, FirstRun } from '../../auth/index.js';
import type { Principal } from '../../auth/principal.js';
import type { LogLine, LogsOptions } from '../../docker/index.js';
import type { StoredEvent } from '../../events/index.js';
import {
  ContainerRepository,
  type ContainerChange,
  type ContainerRecord,
} from '../../inventory/index.js';
import { containerRecord } from '../../../test/support/fixtures.js';
import { Broadcaster, ContainerLogFeed, EventStreamer, InventoryFeed } from '../../stream/index.js';
import { CLOSED_POLICY, type Authenticator } from '../access-guard.js';
import { credentialAuthenticator } from '../credentials.js';
import { buildServer } from '../server.js';
import { streamRevalidator } from '../stream-access.js';
import { authRoutes } from './auth.js';
import { eventFrame, streamRoutes, type StreamApiDeps } from './stream.js';

const silent = pino({ level: 'silent' });
const PASSWORD = 'correct horse battery';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let lastId = 0;
const event = (): StoredEvent => ({
  id: ++lastId,
  created_at: 0,
  source: 'system',
  severity: 'info',
  message: `e${lastId}`,
  metadata: {},
  workload_id: null,
  container_id: null,
  rule_id: null,
  incident_id: null,
  silenced_by: null,
  context: null,
  host_id: null,
  msg_id: null,
});

const noHistory = { list: async () => ({ items: [], next: null }) };
const noInventory = { stream: async () => undefined, goneHideAfterSeconds: 0 };
const noLogs = (): never => {
  throw new Error('no logs here');
};

const stoppedContainer: ContainerRecord = {
  id: 'c0ffee',
  name: 'shop-api-1',
  image: 'busybox',
  workload_id: null,
  compose_service: null,
  labels: {},
  state: 'stopped',
  exit_code: 0,
  health: null,
  restart_count: 0,
  started_at: null,
  finished_at: null,
  last_seen_at: 0,
  logs_available: true,
  tty: false,
};

/** Docker follows that run until their signal aborts; counts those open. */
function fakeFollows() {
  const state = { calls: 0, open: 0 };
  const logs = async (_id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>> => {
    state.calls++;
    state.open++;
    const aborted = new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve());
    });
    return (async function* () {
      try {
        await aborted;
        yield* [];
      } finally {
        state.open--;
      }
    })();
  };
  return { state, logs };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function listen(server: FastifyInstance): Promise<string> {
  await server.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(async () => {
    const closing = server.close();
    // fetch may leave a spare connection that never sent a request; do not wait for it.
    server.server.closeAllConnections();
    await closing;
  });
  return `http://127.0.0.1:${(server.addresses()[0] as AddressInfo).port}`;
}

const connections = (server: FastifyInstance) =>
  new Promise<number>((resolve, reject) =>
    server.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );

/** A raw HTTP client that sends its request and hangs up without waiting for an answer. */
function hangUp(url: string, path: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`,
        () => socket.destroy(),
      ),
    );
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}

async function sse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const conn = await openSse(url, headers);
  cleanups.push(() => conn.close());
  return conn;
}

/** Everything the stream still sends, until it ends (a stream that never ends times out). */
async function untilEnd(conn: SseConnection): Promise<SseMessage[]> {
  const seen: SseMessage[] = [];
  for (;;) {
    try {
      seen.push(await conn.next());
    } catch (err) {
      if ((err as Error).message === 'stream ended') return seen;
      throw err;
    }
  }
}

const revoked = { id: null, event: 'end', data: JSON.stringify({ reason: 'access revoked' }) };

describe('a stream whose client left before it started', () => {
  function server(overrides: Partial<StreamApiDeps> & { authenticator?: Authenticator }) {
    const broadcaster = new Broadcaster<StoredEvent>({ queueSize: 16, historySize: 0 });
    const streamer = new EventStreamer({ broadcaster, history: noHistory, toFrame: eventFrame });
    const lines: string[] = [];
    const counts = { streams: 0 };
    const build = buildServer({
      logger: pino({ level: 'debug' }, { write: (line: string) => lines.push(line) }),
      authenticator: overrides.authenticator ?? { authenticate: async () => ADMIN },
      routes: [
        streamRoutes({
          events: {
            stream: (writer, request) => {
              counts.streams++;
              return streamer.stream(writer, request);
            },
          },
          logs: { open: noLogs },
          inventory: noInventory,
          containers: { find: async () => null },
          revalidate: async () => true,
          ...overrides,
        }),
      ],
    });
    const left = () => lines.filter((l) => l.includes('client left before')).length;
    return { build, broadcaster, counts, left };
  }

  it('leaves no subscriber when the client hangs up during authentication', async () => {
    const auth = gate();
    let asked = 0;
    const s = server({
      authenticator: {
        authenticate: async () => {
          asked++;
          await auth.opened;
          return ADMIN;
        },
      },
      maxPerUser: 20,
    });
    const app = await s.build;
    const url = await listen(app);
    await Promise.all(Array.from({ length: 20 }, () => hangUp(url, '/api/stream/events')));
    await eventually(() => asked === 20, 15_000, 'every request received');
    await eventually(async () => (await connections(app)) === 0, 15_000, 'clients gone');
    auth.open();
    await eventually(() => s.left() + s.counts.streams === 20, 15_000, 'every handler done');
    expect(s.counts.streams).toBe(0);
    expect(s.broadcaster.stats().subscribers).toBe(0);
    // Nobody is left to queue for: publishing drops nothing.
    for (let i = 0; i < 100; i++) s.broadcaster.publish(event());
    expect(s.broadcaster.stats().dropped).toBe(0);

    // Their slots were given back: a client that stays gets its stream.
    const conns = await Promise.all(
      Array.from({ length: 20 }, () => sse(`${url}/api/stream/events`)),
    );
    expect(conns.map((c) => c.status)).toEqual(Array(20).fill(200));
    await eventually(() => s.broadcaster.stats().subscribers === 20);
    const live = event();
    s.broadcaster.publish(live);
    expect((await conns[19]!.next()).id).toBe(String(live.id));
  });

  it('opens no Docker follow when the client hangs up during the container lookup', async () => {
    const lookup = gate();
    let finds = 0;
    const docker = fakeFollows();
    const feed = new ContainerLogFeed({ taps: { tapLines: () => null }, docker });
    const s = server({
      logs: feed,
      containers: {
        find: async () => {
          finds++;
          await lookup.opened;
          return stoppedContainer;
        },
      },
      maxPerUser: 20,
    });
    const app = await s.build;
    const url = await listen(app);
    await Promise.all(Array.from({ length: 20 }, () => hangUp(url, '/api/stream/logs/shop-api-1')));
    await eventually(() => finds === 20, 15_000, 'every lookup started');
    await eventually(async () => (await connections(app)) === 0, 15_000, 'clients gone');
    lookup.open();
    await eventually(() => s.left() + docker.state.calls === 20, 15_000, 'every handler done');
    expect(docker.state.calls).toBe(0);
    expect(docker.state.open).toBe(0);
    expect(feed.openFollows).toBe(0);

    // A client that stays gets its follow, and closing it ends the follow.
    const conn = await sse(`${url}/api/stream/logs/shop-api-1`);
    expect(conn.status).toBe(200);
    await eventually(() => docker.state.open === 1);
    conn.close();
    await eventually(() => docker.state.open === 0 && feed.openFollows === 0);
  });
});

describe('an open stream whose credentials stop being valid', () => {
  async function app() {
    const store = await openTestStore('sqlite');
    cleanups.push(() => store.cleanup());
    const dataDir = mkdtempSync(join(tmpdir(), 'lw-stream-auth-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const journal = { record: () => undefined };
    const auth = AuthService.forDatabase(store.db, {
      journal,
      log: silent,
      options: TEST_AUTH_OPTIONS,
    });
    const firstRun = new FirstRun(auth, dataDir, silent, journal);
    await firstRun.prepare();
    const authenticator = credentialAuthenticator(auth);
    const revalidate = streamRevalidator(authenticator, CLOSED_POLICY);
    const broadcaster = new Broadcaster<StoredEvent>({ historySize: 0 });
    const checks = { count: 0 };
    const server = await buildServer({
      logger: silent,
      authenticator,
      routes: [
        authRoutes({
          auth,
          firstRun,
          cookie: { alwaysSecure: false },
          publicUrl: null,
          policy: CLOSED_POLICY,
        }),
        streamRoutes({
          events: new EventStreamer({ broadcaster, history: noHistory, toFrame: eventFrame }),
          logs: { open: noLogs },
          inventory: noInventory,
          containers: { find: async () => null },
          revalidate: (request) => {
            checks.count++;
            return revalidate(request);
          },
          revalidateMs: 50,
        }),
      ],
    });
    const url = await listen(server);

    /** A same-origin call, as the UI makes it. */
    const call = async (
      method: string,
      path: string,
      credential: Record<string, string>,
      body?: object,
    ) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          origin: url,
          ...credential,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const login = async (username: string, password = PASSWORD) => {
      const res = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { origin: url, 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(res.status).toBe(200);
      return { cookie: res.headers.get('set-cookie')!.split(';')[0]! };
    };
    const token = async (as: Record<string, string>) => {
      const made = await call('POST', '/api/tokens', as, { name: 'ui', role: 'admin' });
      return { id: made.id as number, bearer: { authorization: `Bearer ${String(made.token)}` } };
    };
    /** Opens the events stream with these credentials and sees it deliver. */
    const stream = async (credential: Record<string, string>) => {
      const before = broadcaster.stats().subscribers;
      const conn = await sse(`${url}/api/stream/events`, { origin: url, ...credential });
      expect(conn.status).toBe(200);
      await eventually(() => broadcaster.stats().subscribers > before);
      const e = event();
      broadcaster.publish(e);
      expect(await conn.collect(1)).toMatchObject([{ id: String(e.id) }]);
      return conn;
    };

    await call(
      'POST',
      '/api/setup',
      {},
      {
        token: readFileSync(join(dataDir, 'setup-token'), 'utf8').trim(),
        username: 'root',
        password: PASSWORD,
      },
    );
    const root = await login('root');
    return { call, login, token, stream, root, broadcaster, checks };
  }

  it('goes on while they stay valid, checked again and again', async () => {
    const a = await app();
    const conn = await a.stream(a.root);
    const before = a.checks.count;
    await eventually(() => a.checks.count >= before + 3, 15_000, 'three more checks');
    const e = event();
    a.broadcaster.publish(e);
    expect(await conn.collect(1)).toMatchObject([{ id: String(e.id) }]);
  });

  it('ends when its session signs out', async () => {
    const a = await app();
    const conn = await a.stream(a.root);
    await a.call('POST', '/api/logout', a.root);
    expect((await untilEnd(conn)).at(-1)).toEqual(revoked);
    await eventually(() => a.broadcaster.stats().subscribers === 0);
  });

  it("ends the user's session and token streams when the password changes", async () => {
    const a = await app();
    const { bearer } = await a.token(a.root);
    const bySession = await a.stream(a.root);
    const byToken = await a.stream(bearer);
    await a.call('POST', '/api/me/password', a.root, {
      current_password: PASSWORD,
      new_password: 'another horse battery',
    });
    expect((await untilEnd(bySession)).at(-1)).toEqual(revoked);
    expect((await untilEnd(byToken)).at(-1)).toEqual(revoked);
  });

  it('ends when its token is revoked, and only that stream', async () => {
    const a = await app();
    const revokedToken = await a.token(a.root);
    const kept = await a.token(a.root);
    const conn = await a.stream(revokedToken.bearer);
    const other = await a.stream(kept.bearer);
    await a.call('DELETE', `/api/tokens/${revokedToken.id}`, a.root);
    expect((await untilEnd(conn)).at(-1)).toEqual(revoked);
    const e = event();
    a.broadcaster.publish(e);
    expect(await other.collect(1)).toMatchObject([{ id: String(e.id) }]);
  });

  it('ends when its user is disabled, or is no longer an admin', async () => {
    const a = await app();
    const users: Record<string, number> = {};
    for (const username of ['ops', 'dev'])
      users[username] = (
        await a.call('POST', '/api/users', a.root, { username, password: PASSWORD, role: 'admin' })
      ).id as number;
    const ops = await a.stream(await a.login('ops'));
    const dev = await a.stream(await a.login('dev'));
    await a.call('PATCH', `/api/users/${users.ops}`, a.root, { disabled: true });
    expect((await untilEnd(ops)).at(-1)).toEqual(revoked);
    await a.call('PATCH', `/api/users/${users.dev}`, a.root, { role: 'viewer' });
    expect((await untilEnd(dev)).at(-1)).toEqual(revoked);
  });
});

describe('how many streams may be open', () => {
  /** `x-user` says who the request acts as; `x-via` how it proves it. */
  const byHeader: Authenticator = {
    authenticate: async (request) => {
      const id = Number(request.headers['x-user']);
      const via = request.headers['x-via'] === 'session' ? 'session' : 'token';
      return { ...ADMIN, user_id: id, name: `user${id}`, via } satisfies Principal;
    },
  };

  async function app() {
    const broadcaster = new Broadcaster<StoredEvent>({ historySize: 0 });
    const docker = fakeFollows();
    const feed = new ContainerLogFeed({
      taps: { tapLines: () => null },
      docker,
      maxFollows: 1,
    });
    const server = await buildServer({
      logger: silent,
      authenticator: byHeader,
      routes: [
        streamRoutes({
          events: new EventStreamer({ broadcaster, history: noHistory, toFrame: eventFrame }),
          logs: feed,
          inventory: noInventory,
          containers: { find: async () => stoppedContainer },
          revalidate: async () => true,
          maxPerUser: 2,
        }),
      ],
    });
    const url = await listen(server);
    const open = (path: string, user: number, via = 'token') =>
      sse(`${url}${path}`, { 'x-user': String(user), 'x-via': via });
    const refusal = async (path: string, user: number, via = 'token') => {
      const controller = new AbortController();
      const res = await fetch(`${url}${path}`, {
        headers: { 'x-user': String(user), 'x-via': via },
        signal: controller.signal,
      });
      // A stream that opened after all is no refusal, and its body would never end.
      if (res.status === 200) {
        controller.abort();
        return { status: res.status };
      }
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    };
    return { open, refusal, feed, docker, broadcaster };
  }

  const EVENTS = '/api/stream/events';
  const LOGS = '/api/stream/logs/shop-api-1';
  const limitReached = { status: 429, body: { error: { code: 'STREAM_LIMIT_REACHED' } } };

  it('refuses a user more than stream.max_per_user at once, sessions and tokens together', async () => {
    const a = await app();
    const first = await a.open(EVENTS, 1, 'session');
    expect(first.status).toBe(200);
    expect((await a.open(EVENTS, 1, 'token')).status).toBe(200);
    expect(await a.refusal(EVENTS, 1)).toMatchObject(limitReached);
    expect(await a.refusal(LOGS, 1, 'session')).toMatchObject(limitReached);
    // Another user has streams of their own.
    expect((await a.open(EVENTS, 2)).status).toBe(200);
    // Closing a stream gives its slot back.
    first.close();
    await eventually(() => a.broadcaster.stats().subscribers === 2);
    expect((await a.open(EVENTS, 1)).status).toBe(200);
  });

  it('refuses a Docker follow beyond stream.max_log_follows, whoever asks', async () => {
    const a = await app();
    const following = await a.open(LOGS, 1);
    expect(following.status).toBe(200);
    await eventually(() => a.docker.state.open === 1);
    expect(await a.refusal(LOGS, 2)).toMatchObject(limitReached);
    expect(a.docker.state.calls).toBe(1);
    // The refusal took none of the user's own slots.
    expect((await a.open(EVENTS, 2)).status).toBe(200);
    expect((await a.open(EVENTS, 2)).status).toBe(200);
    following.close();
    await eventually(() => a.feed.openFollows === 0 && a.docker.state.open === 0);
    expect((await a.open(LOGS, 3)).status).toBe(200);
  });
});

describe('GET /api/stream/inventory', () => {
  /** The index as the feed sees it: rows to list and changes to announce. */
  function fakeIndex(rows: ContainerRecord[]) {
    const listeners = new Set<(change: ContainerChange) => void>();
    return {
      rows,
      onChange(listener: (change: ContainerChange) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      list: async () => [...rows],
      announce: (change: ContainerChange) => listeners.forEach((l) => l(change)),
    };
  }

  async function app(index: ReturnType<typeof fakeIndex>) {
    const feed = new InventoryFeed({ source: index, queueSize: 16 });
    const server = await buildServer({
      logger: silent,
      authenticator: actingAs(VIEWER),
      routes: [
        streamRoutes({
          events: { stream: async () => undefined },
          logs: { open: noLogs },
          inventory: {
            stream: (writer, frames) => feed.stream(writer, frames),
            goneHideAfterSeconds: 600,
          },
          containers: { find: async () => null },
          revalidate: async () => true,
        }),
      ],
    });
    return { feed, url: await listen(server) };
  }

  const running = { ...stoppedContainer, state: 'running' as const, last_seen_at: 1000 };

  it('serves a viewer the whole index, then each change that shows, in order', async () => {
    const index = fakeIndex([running]);
    const { feed, url } = await app(index);
    const conn = await sse(`${url}/api/stream/inventory`);
    expect(conn.status).toBe(200);
    const snapshot = await conn.next();
    expect(snapshot.event).toBe('snapshot');
    expect(JSON.parse(snapshot.data)).toMatchObject({
      items: [{ id: 'c0ffee', name: 'shop-api-1', state: 'running' }],
      gone_hide_after_seconds: 600,
    });
    await eventually(() => feed.subscribers === 1);

    const other = { ...running, id: 'beef', name: 'shop-db-1' };
    index.announce({ type: 'started', container: other, added: true });
    // A periodic pass touches a row without changing what a client sees: not sent.
    index.announce({ type: 'updated', container: { ...other, last_seen_at: 2000 } });
    index.announce({ type: 'stopped', container: { ...other, state: 'stopped', exit_code: 1 } });
    index.announce({ type: 'gone', container: { ...other, state: 'missing' } });
    const changes = (await conn.collect(3)).map(
      (m) => JSON.parse(m.data) as { type: string; container: { id: string; state: string } },
    );
    expect(changes.map((c) => [c.type, c.container.id, c.container.state])).toEqual([
      ['added', 'beef', 'running'],
      ['updated', 'beef', 'stopped'],
      ['gone', 'beef', 'missing'],
    ]);
  });

  it('starts every connection with a snapshot of the index as it is now', async () => {
    const index = fakeIndex([running]);
    const { url } = await app(index);
    const first = await sse(`${url}/api/stream/inventory`);
    await first.next();
    first.close();
    index.rows.push({ ...running, id: 'beef', name: 'later' });
    const again = await sse(`${url}/api/stream/inventory`);
    const snapshot = JSON.parse((await again.next()).data) as { items: { name: string }[] };
    expect(snapshot.items.map((c) => c.name)).toEqual(['shop-api-1', 'later']);
  });
});

describe('the live events filtered by container', () => {
  it('takes a name or an id prefix, as GET /api/events does, and says what it did not find', async () => {
    const store = await openTestStore('sqlite');
    try {
      const containers = new ContainerRepository(store.db);
      const web = '5eb0'.padEnd(64, '1');
      await containers.upsert(containerRecord(web, { name: 'web' }));
      const asked: (string | undefined)[] = [];
      const app = await buildServer({
        logger: pino({ level: 'silent' }),
        authenticator: { authenticate: async () => ADMIN },
        routes: [
          streamRoutes({
            // Records the filter the route built, and ends the stream at once.
            events: {
              stream: async (writer, request) => {
                asked.push(request.filter.container_id);
                writer.close();
              },
            },
            logs: { open: noLogs },
            inventory: noInventory,
            containers,
            revalidate: async () => true,
          }),
        ],
      });
      for (const ref of ['web', '/web', web.slice(0, 12), web]) {
        const res = await app.inject(`/api/stream/events?container=${encodeURIComponent(ref)}`);
        expect(res.statusCode, ref).toBe(200);
      }
      expect(asked).toEqual([web, web, web, web]);
      const unknown = await app.inject('/api/stream/events?container=db');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.message).toContain('container db not found');
      await app.close();
    } finally {
      await store.cleanup();
    }
  });
});
