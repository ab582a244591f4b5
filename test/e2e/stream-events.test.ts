import { setImmediate as turn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { streamRoutes, eventFrame } from '../../src/api/routes/stream.js';
import { buildServer } from '../../src/api/server.js';
import {
  EventBus,
  EventLog,
  EventRepository,
  type NewEvent,
  type StoredEvent,
} from '../../src/events/index.js';
import {
  Broadcaster,
  EventStreamer,
  type BroadcasterOptions,
  type SseWriter,
  type Subscription,
} from '../../src/stream/index.js';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { openSse, type SseConnection } from '../support/sse-client.js';
import { actingAs } from '../support/test-principals.js';

interface Harness {
  url: string;
  server: FastifyInstance;
  broadcaster: Broadcaster<StoredEvent>;
  log: EventLog;
  subscriptions: WeakRef<Subscription<StoredEvent>>[];
  writers: SseWriter[];
  record(n: number, over?: Partial<NewEvent>): Promise<StoredEvent[]>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The real routes, broadcaster and event log, served on a real socket. */
async function harness(
  options: BroadcasterOptions & { dialect?: 'sqlite' | 'postgres'; keepWriters?: boolean } = {},
): Promise<Harness> {
  const store: TestStore = await openTestStore(options.dialect ?? 'sqlite');
  cleanups.push(() => store.cleanup());
  const bus = new EventBus();
  const log = new EventLog(store.db, new EventRepository(store.db), bus);
  const broadcaster = new Broadcaster<StoredEvent>(options);
  bus.subscribe((e) => broadcaster.publish(e));
  // Watch what the server allocates per client, without keeping it alive.
  const subscriptions: WeakRef<Subscription<StoredEvent>>[] = [];
  const subscribe = broadcaster.subscribe.bind(broadcaster);
  broadcaster.subscribe = (o) => {
    const sub = subscribe(o);
    subscriptions.push(new WeakRef(sub));
    return sub;
  };
  const writers: SseWriter[] = [];
  const streamer = new EventStreamer({ broadcaster, history: log, toFrame: eventFrame });
  const server = await buildServer({
    logger: pino({ level: 'silent' }),
    authenticator: actingAs(),
    routes: [
      streamRoutes({
        events: {
          stream: (writer, request) => {
            if (options.keepWriters) writers.push(writer);
            return streamer.stream(writer, request);
          },
        },
        logs: { open: noLogs },
        inventory: noInventory,
        containers: { find: async () => null },
        revalidate: async () => true,
      }),
    ],
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(() => server.close());
  const address = server.addresses()[0] as AddressInfo;
  let n = 0;
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    broadcaster,
    log,
    subscriptions,
    writers,
    async record(count, over = {}) {
      const out: StoredEvent[] = [];
      for (let i = 0; i < count; i++)
        out.push(
          await log.record({ source: 'logscan', severity: 'warn', message: `e${++n}`, ...over }),
        );
      return out;
    },
  };
}

const noInventory = { stream: async () => undefined, goneHideAfterSeconds: 0 };
const noLogs = (): never => {
  throw new Error('no logs here');
};

const ids = (messages: { id: string | null }[]) => messages.map((m) => Number(m.id));

async function open(h: Harness, path: string, headers?: Record<string, string>) {
  const conn = await openSse(`${h.url}${path}`, headers);
  cleanups.push(async () => conn.close());
  return conn;
}

describe('GET /api/stream/events over HTTP', () => {
  it('gives a late client the history, then live events, in id order', async () => {
    const h = await harness();
    const early = await h.record(50);
    const conn = await open(h, '/api/stream/events');
    expect(conn.status).toBe(200);
    expect(conn.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const history = await conn.collect(50);
    expect(ids(history)).toEqual(early.map((e) => e.id));
    expect(JSON.parse(history[0]!.data)).toMatchObject({ id: early[0]!.id, message: 'e1' });
    const live = await h.record(20);
    expect(ids(await conn.collect(20))).toEqual(live.map((e) => e.id));
  });

  it('filters history and live alike, and caps the history', async () => {
    // Full ids: a filter takes them as given, with no lookup in the (here empty) inventory.
    const C1 = 'c1'.repeat(32);
    const C2 = 'c2'.repeat(32);
    const h = await harness();
    await h.record(5, { severity: 'info' });
    const errors = await h.record(4, { severity: 'error', container_id: C1 });
    await h.record(3, { severity: 'error', container_id: C2 });
    const conn = await open(h, `/api/stream/events?severity=error&container=${C1}&history=3`);
    expect(ids(await conn.collect(3))).toEqual(errors.slice(1).map((e) => e.id));
    await h.record(2, { severity: 'critical', container_id: C2 });
    const wanted = await h.record(1, { severity: 'critical', container_id: C1 });
    expect(ids(await conn.collect(1))).toEqual(wanted.map((e) => e.id));
  });

  for (const dialect of DIALECTS) {
    it(`resumes after Last-Event-ID from the event log: exactly what came after, once (${dialect})`, async () => {
      // A history ring of 5: the catch-up must come from the database.
      const h = await harness({ historySize: 5, dialect });
      const first = await h.record(40);
      const lastSeen = first[9]!.id;
      // Events keep arriving while the client catches up.
      const during = h.record(60);
      const conn = await open(h, '/api/stream/events?after=1', {
        'last-event-id': String(lastSeen),
      });
      const recorded = [...first, ...(await during)];
      const later = await h.record(5);
      const expected = [...recorded, ...later].map((e) => e.id).filter((id) => id > lastSeen);
      const got = ids(await conn.collect(expected.length));
      expect(got).toEqual(expected);
      // Nothing more (no duplicate) before the next new event.
      const last = await h.record(1);
      expect(ids(await conn.collect(1))).toEqual([last[0]!.id]);
    });
  }

  it('rejects a malformed Last-Event-ID naming it', async () => {
    const h = await harness();
    const res = await fetch(`${h.url}/api/stream/events`, { headers: { 'last-event-id': 'x' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('Last-Event-ID');
  });

  it('sends heartbeats on a quiet stream', async () => {
    const h = await harness();
    const server = await buildServer({
      logger: pino({ level: 'silent' }),
      authenticator: actingAs(),
      routes: [
        streamRoutes({
          events: {
            stream: (writer, request) =>
              new EventStreamer({
                broadcaster: h.broadcaster,
                history: h.log,
                toFrame: eventFrame,
              }).stream(writer, request),
          },
          logs: { open: noLogs },
          inventory: noInventory,
          containers: { find: async () => null },
          revalidate: async () => true,
          heartbeatMs: 20,
        }),
      ],
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => server.close());
    const conn = await openSse(
      `http://127.0.0.1:${(server.addresses()[0] as AddressInfo).port}/api/stream/events`,
    );
    cleanups.push(async () => conn.close());
    // Comments are parsed as the stream is read: read events until a heartbeat was seen.
    await eventually(async () => {
      await h.record(1);
      await conn.collect(1);
      return conn.comments.includes('heartbeat');
    });
  });

  it('tells a client that stopped reading how many it missed, with bounded server memory', async () => {
    const queueSize = 64;
    const h = await harness({ queueSize, historySize: 0, keepWriters: true });
    const conn = await open(h, '/api/stream/events');
    await eventually(() => h.broadcaster.stats().subscribers === 1);
    const writer = h.writers[0]!;
    const sub = h.subscriptions[0]!.deref()!;
    // The client reads nothing while 4 MiB worth of events are published.
    const message = 'x'.repeat(1000);
    const total = 4000;
    let maxQueued = 0;
    let maxBuffered = 0;
    for (let i = 1; i <= total; i++) {
      h.broadcaster.publish({
        id: i,
        created_at: 0,
        source: 'system',
        severity: 'info',
        message,
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
      if (i % 50 === 0) await turn();
      maxQueued = Math.max(maxQueued, sub.queue.size);
      maxBuffered = Math.max(maxBuffered, writer.bufferedBytes);
    }
    expect(h.broadcaster.stats().dropped).toBeGreaterThan(0);
    // What the server holds for this client: at most the queue plus one socket buffer
    // and a batch, however much is published.
    expect(maxQueued).toBeLessThanOrEqual(queueSize);
    expect(maxBuffered).toBeLessThan(64 * 1024 + 64 * 1200);

    // The client reads again: every event is either received or counted in a notice.
    let received = 0;
    let dropped = 0;
    let lastId = 0;
    while (received + dropped < total) {
      const m = await conn.next();
      if (m.event === 'dropped') dropped += (JSON.parse(m.data) as { count: number }).count;
      else {
        expect(Number(m.id)).toBeGreaterThan(lastId);
        lastId = Number(m.id);
        received++;
      }
    }
    expect(received + dropped).toBe(total);
    expect(dropped).toBe(h.broadcaster.stats().dropped);
    expect(dropped).toBeGreaterThan(0);
  });

  it('frees everything when 1000 streams open and close', async () => {
    const gc = exposeGc();
    const h = await harness({ historySize: 10 });
    await h.record(10);
    const heapBefore = settledHeap(gc);
    for (let round = 0; round < 50; round++) {
      const conns: SseConnection[] = await Promise.all(
        Array.from({ length: 20 }, () => openSse(`${h.url}/api/stream/events`)),
      );
      await Promise.all(conns.map((c) => c.collect(10)));
      for (const c of conns) c.close();
    }
    expect(h.subscriptions).toHaveLength(1000);
    await eventually(() => h.broadcaster.stats().subscribers === 0, 30_000, 'no subscribers');
    await eventually(
      async () => {
        const connections = await new Promise<number>((resolve, reject) =>
          h.server.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
        );
        return connections === 0;
      },
      30_000,
      'no open connections',
    );
    // Every subscription the streams made is garbage now: nothing holds on to them.
    await eventually(
      () => {
        gc();
        return h.subscriptions.every((ref) => ref.deref() === undefined);
      },
      30_000,
      'subscriptions collected',
    );
    // And memory settles back near where it was (generous: the heap is shared).
    expect(settledHeap(gc) - heapBefore).toBeLessThan(32 * 1024 * 1024);
    // The server still streams.
    const conn = await open(h, '/api/stream/events?history=1');
    expect(await conn.collect(1)).toHaveLength(1);
  });
});

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function settledHeap(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}
