import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Transaction } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { eventually } from '../../test/support/eventually.js';
import { containerRecord } from '../../test/support/fixtures.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { loadConfig } from '../config/index.js';
import { EventBus, EventLog, EventRepository, type StoredEvent } from '../events/index.js';
import type { ContainerRecord } from '../inventory/model.js';
import { NatsLink } from '../nats/connection.js';
import { JetStreamPublisher } from '../nats/publisher.js';
import { DEFAULT_STREAM_SETTINGS, ensureStream } from '../nats/setup.js';
import { STREAM_NAME, hostSubject, msgId, type StreamKind } from '../nats/subjects.js';
import type { Database } from '../store/index.js';
import {
  createFleetConsumer,
  type FleetConsumer,
  type FleetContainers,
  type FleetEventWriter,
} from './consumer.js';
import { HostRepository } from './host-repository.js';
import { LiveEventRelay, natsCoreLink } from './live-relay.js';

const log = pino({ level: 'silent' });
const CONTAINER = 'c0ffee'.padEnd(64, '0');
/** Short, so a re-publish lands after it and only the database's unique key stops it. */
const STREAM = { ...DEFAULT_STREAM_SETTINGS, duplicateWindowMs: 100 };

/** Records what the consumer asks of the containers port, by host. */
class RecordingContainers implements FleetContainers {
  observed: { host: string; id: string; observedAt: number }[] = [];
  snapshots: { host: string; ids: string[]; observedAt: number }[] = [];
  async upsertObserved(host: string, record: ContainerRecord, observedAt: number) {
    this.observed.push({ host, id: record.id, observedAt });
    return 'stored' as const;
  }
  async replaceHostSnapshot(host: string, records: ContainerRecord[], observedAt: number) {
    this.snapshots.push({ host, ids: records.map((r) => r.id), observedAt });
    return { other_host: [] };
  }
}

/**
 * The recording path with a switch: `down` fails it before anything is written (the
 * database unreachable); `loseAck` lets it commit and then fails it (the ack lost).
 */
class SwitchableWriter implements FleetEventWriter {
  down = false;
  loseAck = 0;
  /** A message the database refuses whenever its batch holds it. */
  poison: string | null = null;
  constructor(private readonly log: EventLog) {}
  async recordBatch(
    events: Parameters<EventLog['recordBatch']>[0],
    alongside?: (tx: Transaction<Database>) => Promise<void>,
    contexts?: Parameters<EventLog['recordBatch']>[2],
  ): Promise<StoredEvent[]> {
    if (this.down) throw new Error('database unreachable');
    if (events.some((e) => e.message === this.poison)) throw new Error('refused for good');
    const stored = await this.log.recordBatch(events, alongside, contexts);
    if (this.loseAck > 0) {
      this.loseAck--;
      throw new Error('connection lost after the commit');
    }
    return stored;
  }
}

const envelope = (host: string) => ({ v: 1, host, agent: 'boot-1', sent_at: Date.now() });

function hit(host: string, n: number) {
  const id = msgId.hit(host, CONTAINER, 'stdout', String(1_000 + n), 0, 1);
  const body = {
    ...envelope(host),
    type: 'hit',
    event: {
      source: 'logscan',
      severity: 'error',
      message: `boom ${n}`,
      container_id: CONTAINER,
      context: { before: ['b'], after: [] },
      context_pending: true,
    },
    line: { stream: 'stdout', ts_nanos: String(1_000 + n), tie: 0 },
  };
  return { id, body };
}

for (const dialect of DIALECTS) {
  describe(`fleet consumer (${dialect})`, () => {
    const store = useTestStore(dialect);
    let server: TestNatsServer;
    let link: NatsLink;
    let nc: NatsConnection;
    let jsm: JetStreamManager;
    let publisher: JetStreamPublisher;
    const running: FleetConsumer[] = [];
    const relays: LiveEventRelay[] = [];

    beforeAll(async () => {
      server = await TestNatsServer.start();
      const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } });
      link = new NatsLink(config, secrets, { name: 'consumer-test' });
      nc = await link.start();
      jsm = await jetstreamManager(nc);
      publisher = new JetStreamPublisher(link);
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((c) => c.stop()));
      for (const relay of relays.splice(0)) relay.stop();
      await jsm.streams.delete(STREAM_NAME).catch(() => undefined);
    });
    afterAll(async () => {
      await link.close();
      await server.destroy();
    });

    async function replica(
      options: { poison?: string; hitsDown?: () => boolean; maxContextMisses?: number } = {},
    ) {
      const db = store().db;
      const repo = new EventRepository(db);
      const bus = new EventBus();
      const seen: StoredEvent[] = [];
      bus.subscribe((e) => seen.push(e));
      const writer = new SwitchableWriter(new EventLog(db, repo, bus));
      writer.poison = options.poison ?? null;
      const containers = new RecordingContainers();
      const relay = new LiveEventRelay(natsCoreLink(nc), bus, log);
      relay.start();
      relays.push(relay);
      const consumer = createFleetConsumer(
        {
          nc,
          events: writer,
          hits: {
            idsByMsgId: async (ids) => {
              if (options.hitsDown?.()) throw new Error('database unreachable');
              return repo.idsByMsgId(ids);
            },
          },
          containers,
          hosts: new HostRepository(db),
          relay,
          log,
        },
        {
          stream: STREAM,
          nakDelayMs: 100,
          expiresMs: 1_000,
          maxContextMisses: options.maxContextMisses,
        },
      );
      await consumer.start();
      running.push(consumer);
      return { consumer, repo, seen, writer, containers };
    }

    const publish = (host: string, kind: StreamKind, id: string, body: object) =>
      publisher.publish(hostSubject(host, kind), JSON.stringify(body), id);

    async function stored(repo: EventRepository, count: number) {
      return eventually(async () => {
        const { items } = await repo.list({}, { limit: 500 });
        return items.length >= count ? items.reverse() : false;
      });
    }

    it('stores each host’s events once with its host, however often they are published', async () => {
      const { repo, seen, consumer } = await replica();
      const a = hit('web-1', 1);
      const b = hit('web-2', 2);
      await publish('web-1', 'hits', a.id, a.body);
      await publish('web-2', 'hits', b.id, b.body);
      await stored(repo, 2);
      // After the duplicate window: JetStream stores it again, the unique key drops it.
      await new Promise((r) => setTimeout(r, 200));
      await publish('web-1', 'hits', a.id, a.body);
      await eventually(() => consumer.counters.handled >= 3);
      const items = await stored(repo, 2);
      expect(items.map((e) => [e.message, (e as { host_id?: string }).host_id])).toEqual([
        ['boom 1', 'web-1'],
        ['boom 2', 'web-2'],
      ]);
      expect(seen.map((e) => e.message)).toEqual(['boom 1', 'boom 2']);
    });

    it('gives a batch back while the database is down, and stores it once when it is back', async () => {
      const { repo, seen, writer, consumer } = await replica();
      writer.down = true;
      const a = hit('web-1', 1);
      await publish('web-1', 'hits', a.id, a.body);
      await eventually(() => consumer.counters.retried >= 2);
      expect((await repo.list({})).items).toEqual([]);
      writer.down = false;
      await stored(repo, 1);
      // Committed, then the ack lost: redelivered, and the unique key absorbs it.
      writer.loseAck = 1;
      const b = hit('web-1', 2);
      await publish('web-1', 'hits', b.id, b.body);
      await eventually(() => consumer.counters.handled >= 2);
      expect((await stored(repo, 2)).map((e) => e.message)).toEqual(['boom 1', 'boom 2']);
      expect(seen.map((e) => e.message)).toEqual(['boom 1', 'boom 2']);
    });

    it('holds back only the message the database refuses for good, not its batch', async () => {
      await ensureStream(jsm, STREAM);
      const sent = [hit('web-1', 1), hit('web-1', 2), hit('web-1', 3)];
      for (const m of sent) await publish('web-1', 'hits', m.id, m.body);
      // Poisoned before the first fetch, which takes the three in one batch.
      const { repo, writer, consumer } = await replica({ poison: 'boom 2' });
      await eventually(() => consumer.counters.handled === 2);
      // Redelivery may commit the two healthy ones in either order; what matters is which.
      expect((await stored(repo, 2)).map((e) => e.message).sort()).toEqual(['boom 1', 'boom 3']);
      expect(consumer.counters.retried).toBeGreaterThanOrEqual(3);
      writer.poison = null;
      await eventually(() => consumer.counters.handled === 3);
      const all = (await stored(repo, 3)).map((e) => e.message);
      expect(all.slice(0, 2).sort()).toEqual(['boom 1', 'boom 3']);
      expect(all[2]).toBe('boom 2');
    });

    it('terminates a payload naming another host than its subject, and never stores it', async () => {
      const { repo, consumer } = await replica();
      const forged = hit('web-2', 1);
      await publish(
        'web-1',
        'hits',
        msgId.hit('web-1', CONTAINER, 'stdout', '1', 0, 1),
        forged.body,
      );
      const fine = hit('web-1', 2);
      await publish('web-1', 'hits', fine.id, fine.body);
      await eventually(() => consumer.counters.invalid === 1 && consumer.counters.handled === 1);
      expect((await stored(repo, 1)).map((e) => e.message)).toEqual(['boom 2']);
      // Terminated: gone from the work queue, never redelivered.
      await eventually(async () => (await jsm.streams.info(STREAM_NAME)).state.messages === 0);
    });

    it('shares the messages between two replicas on the one durable consumer, no duplicates', async () => {
      const one = await replica();
      const two = await replica();
      const sent = Array.from({ length: 40 }, (_, i) => hit(`web-${i % 4}`, i));
      await Promise.all(sent.map((m) => publish(m.body.host, 'hits', m.id, m.body)));
      const items = await stored(one.repo, 40);
      await eventually(() => one.consumer.counters.handled + two.consumer.counters.handled === 40);
      expect(new Set(items.map((e) => e.message)).size).toBe(40);
      expect(items).toHaveLength(40);
      // Each replica's live clients see every event once: its own, and the other's relayed.
      for (const { seen } of [one, two])
        await eventually(() => seen.length === 40, 15_000, 'every event on both buses');
      for (const { seen } of [one, two]) {
        expect(new Set(seen.map((e) => e.id)).size).toBe(40);
        expect(seen.map((e) => e.id).sort((x, y) => x - y)).toEqual(
          items.map((e) => e.id).sort((x, y) => x - y),
        );
      }
    });

    it('keeps a context through a database outage: only looks that worked count as misses', async () => {
      let lookupsDown = true;
      const { repo, consumer, writer } = await replica({
        hitsDown: () => lookupsDown,
        maxContextMisses: 25,
      });
      writer.down = true;
      const h = hit('web-1', 7);
      const context = { before: ['b'], after: ['a'] };
      await publish('web-1', 'hits', h.id, h.body);
      await publish('web-1', 'hits', msgId.context(h.id), {
        ...envelope('web-1'),
        type: 'context',
        hit: h.id,
        context,
      });
      // The outage: both come back again and again (well over 25 deliveries each).
      await eventually(() => consumer.counters.retried >= 70, 30_000, 'redeliveries');
      // Lookups work again before the hit can be stored: the context misses it a few times.
      lookupsDown = false;
      await new Promise((r) => setTimeout(r, 300));
      writer.down = false;
      await eventually(
        async () => (await repo.list({}, { limit: 5 })).items[0]?.context != null,
        20_000,
        'the context',
      );
      expect(consumer.counters.orphanContexts).toBe(0);
    });

    it('completes a hit’s context, records status and inventory per host', async () => {
      const { repo, consumer, containers } = await replica();
      const h = hit('web-1', 1);
      await publish('web-1', 'hits', h.id, h.body);
      const context = { before: ['b'], after: ['a1', 'a2'] };
      await publish('web-1', 'hits', msgId.context(h.id), {
        ...envelope('web-1'),
        type: 'context',
        hit: h.id,
        context,
      });
      await publish('web-1', 'status', msgId.status('web-1', 'boot-1', 1), {
        ...envelope('web-1'),
        type: 'status',
        n: 1,
        name: 'web one',
        agent_version: '1.0.0',
        rule_revision: 2,
        docker: { engine_id: 'E', version: '27.1', reachable: true },
        containers: 1,
        publish_failures: 0,
      });
      await publish('web-1', 'inventory', msgId.inventory('web-1', CONTAINER, 5, 'abcd0123'), {
        ...envelope('web-1'),
        type: 'container',
        change: 'started',
        container: containerRecord(CONTAINER),
        observed_at: 5,
      });
      for (const part of [1, 0])
        await publish('web-1', 'inventory', msgId.snapshot('web-1', 's1', part), {
          ...envelope('web-1'),
          sent_at: 10 + part,
          type: 'snapshot',
          snapshot: 's1',
          part,
          parts: 2,
          containers: [containerRecord(String(part).padStart(64, '0'))],
        });
      await eventually(() => consumer.counters.handled === 6);
      const [event] = await stored(repo, 1);
      expect(event!.context).toEqual(context);
      expect(await new HostRepository(store().db).get('web-1')).toMatchObject({
        name: 'web one',
        rule_revision: 2,
        docker_version: '27.1',
        containers: 1,
      });
      expect(containers.observed).toEqual([{ host: 'web-1', id: CONTAINER, observedAt: 5 }]);
      expect(containers.snapshots).toEqual([
        { host: 'web-1', ids: ['0'.repeat(64), '1'.padStart(64, '0')], observedAt: 10 },
      ]);
    });
  });
}
