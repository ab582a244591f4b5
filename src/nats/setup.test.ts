import {
  AckPolicy,
  RetentionPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { loadConfig } from '../config/index.js';
import { NatsLink } from './connection.js';
import { JetStreamPublisher } from './publisher.js';
import {
  DEFAULT_CONSUMER_SETTINGS,
  DEFAULT_STREAM_SETTINGS,
  ensureConsumer,
  ensureStream,
} from './setup.js';
import { CONSUMER_NAME, STREAM_NAME, STREAM_SUBJECTS, hostSubject } from './subjects.js';

describe('ensureStream and ensureConsumer', () => {
  let server: TestNatsServer;
  let link: NatsLink;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    server = await TestNatsServer.start();
    const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } });
    link = new NatsLink(config, secrets, { name: 'setup-test' });
    nc = await link.start();
    jsm = await jetstreamManager(nc);
  });
  afterEach(async () => {
    await jsm.streams.delete(STREAM_NAME).catch(() => undefined);
  });
  afterAll(async () => {
    await link.close();
    await server.destroy();
  });

  it('creates the stream once, however many processes ask at the same time', async () => {
    const outcomes = await Promise.all([ensureStream(jsm), ensureStream(jsm), ensureStream(jsm)]);
    // JetStream takes an identical create as success: several may say they created it.
    expect(outcomes.map((o) => o.outcome)).toContain('created');
    expect(outcomes.every((o) => o.outcome !== 'updated')).toBe(true);
    expect(await jsm.streams.names().next()).toEqual([STREAM_NAME]);
    const { config } = await jsm.streams.info(STREAM_NAME);
    expect(config.subjects).toEqual(STREAM_SUBJECTS);
    expect(config.retention).toBe(RetentionPolicy.Workqueue);
    expect(config.discard).toBe('new');
    expect(config.duplicate_window).toBe(DEFAULT_STREAM_SETTINGS.duplicateWindowMs * 1e6);
    expect((await ensureStream(jsm)).outcome).toBe('unchanged');
  });

  it('brings changed settings in line, and refuses what only a new stream could change', async () => {
    await ensureStream(jsm);
    const bigger = { ...DEFAULT_STREAM_SETTINGS, maxBytes: 2 * DEFAULT_STREAM_SETTINGS.maxBytes };
    const updated = await ensureStream(jsm, bigger);
    expect(updated.outcome).toBe('updated');
    expect(updated.info.config.max_bytes).toBe(bigger.maxBytes);
    expect((await ensureStream(jsm, bigger)).outcome).toBe('unchanged');

    await jsm.streams.delete(STREAM_NAME);
    await jsm.streams.add({
      name: STREAM_NAME,
      subjects: [...STREAM_SUBJECTS],
      retention: RetentionPolicy.Limits,
    });
    await expect(ensureStream(jsm)).rejects.toThrow(/retention: "limits" → "workqueue"/);
  });

  it('refuses to lower a limit in place: JetStream would delete unconsumed messages', async () => {
    await ensureStream(jsm);
    const publisher = new JetStreamPublisher(link);
    for (let i = 0; i < 10; i++)
      await publisher.publish(hostSubject('web-1', 'hits'), 'y'.repeat(1000), `shrink-${i}`);

    const smaller = { ...DEFAULT_STREAM_SETTINGS, maxBytes: 4096 };
    await expect(ensureStream(jsm, smaller)).rejects.toThrow(/max_bytes/);
    const shorter = { ...DEFAULT_STREAM_SETTINGS, maxAgeMs: 60 * 60 * 1000 };
    await expect(ensureStream(jsm, shorter)).rejects.toThrow(/max_age/);
    const { config, state } = await jsm.streams.info(STREAM_NAME);
    expect(state.messages).toBe(10);
    expect(config.max_bytes).toBe(DEFAULT_STREAM_SETTINGS.maxBytes);

    // Raising stays automatic.
    const bigger = { ...DEFAULT_STREAM_SETTINGS, maxAgeMs: 14 * 24 * 3600 * 1000 };
    expect((await ensureStream(jsm, bigger)).outcome).toBe('updated');
    // And from "never" (0) to a bound is lowering too.
    await expect(ensureStream(jsm, DEFAULT_STREAM_SETTINGS)).rejects.toThrow(/max_age/);
    expect((await jsm.streams.info(STREAM_NAME)).state.messages).toBe(10);
  });

  it('creates the shared consumer once and updates its ack wait', async () => {
    await ensureStream(jsm);
    const outcomes = await Promise.all([ensureConsumer(jsm), ensureConsumer(jsm)]);
    expect(outcomes.map((o) => o.outcome)).toContain('created');
    expect(outcomes.every((o) => o.outcome !== 'updated')).toBe(true);
    expect((await jsm.consumers.list(STREAM_NAME).next()).map((c) => c.name)).toEqual([
      CONSUMER_NAME,
    ]);
    expect(outcomes[0]!.info.config.ack_policy).toBe('explicit');
    const slower = { ...DEFAULT_CONSUMER_SETTINGS, ackWaitMs: 60_000 };
    const updated = await ensureConsumer(jsm, slower);
    expect(updated.outcome).toBe('updated');
    expect(updated.info.config.ack_wait).toBe(60_000 * 1e6);
    expect((await ensureConsumer(jsm, slower)).outcome).toBe('unchanged');
  });

  it('refuses a consumer of that name that would not see every subject or is not pulled', async () => {
    await ensureStream(jsm);
    // Made by hand with a filter: replicas would consume hits only, and the rest of the
    // work queue would wait for ever.
    await jsm.consumers.add(STREAM_NAME, {
      durable_name: CONSUMER_NAME,
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'logwarden.*.hits',
    });
    await expect(ensureConsumer(jsm)).rejects.toThrow(/filter_subject/);
    await jsm.consumers.delete(STREAM_NAME, CONSUMER_NAME);

    // A push consumer: fetch() cannot pull from it.
    await jsm.consumers.add(STREAM_NAME, {
      durable_name: CONSUMER_NAME,
      ack_policy: AckPolicy.Explicit,
      deliver_subject: 'somewhere.else',
    });
    await expect(ensureConsumer(jsm)).rejects.toThrow(/deliver_subject/);
  });

  it('gives each message to one replica, redelivers it after the ack wait, and drops it once acked', async () => {
    await ensureStream(jsm);
    await ensureConsumer(jsm, { ...DEFAULT_CONSUMER_SETTINGS, ackWaitMs: 1_000 });
    const publisher = new JetStreamPublisher(link);
    for (let i = 0; i < 4; i++)
      await publisher.publish(hostSubject('web-1', 'events'), `m${i}`, `life:web-1:c:${i}`);

    // Two "replicas" pulling from the one durable consumer.
    const [a, b] = [jetstream(nc), jetstream(nc)];
    const ca = await a.consumers.get(STREAM_NAME, CONSUMER_NAME);
    const cb = await b.consumers.get(STREAM_NAME, CONSUMER_NAME);
    const first = await ca.fetch({ max_messages: 2, expires: 2_000 });
    const gotA: string[] = [];
    for await (const m of first) gotA.push(m.string()); // not acked: a replica "died"
    const second = await cb.fetch({ max_messages: 2, expires: 2_000 });
    const gotB: string[] = [];
    for await (const m of second) {
      gotB.push(m.string());
      m.ack();
    }
    expect([...gotA, ...gotB].sort()).toEqual(['m0', 'm1', 'm2', 'm3']);

    // After the ack wait, what A never acked goes to whoever pulls next.
    const redelivered: string[] = [];
    const third = await cb.fetch({ max_messages: 2, expires: 4_000 });
    for await (const m of third) {
      redelivered.push(m.string());
      expect(m.info.deliveryCount).toBe(2);
      await m.ackAck();
    }
    expect(redelivered.sort()).toEqual(gotA.sort());
    expect((await jsm.streams.info(STREAM_NAME)).state.messages).toBe(0);
  });
});
