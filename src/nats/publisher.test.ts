import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { loadConfig } from '../config/index.js';
import { NatsLink } from './connection.js';
import { JetStreamPublisher, NatsPublishError } from './publisher.js';
import { DEFAULT_STREAM_SETTINGS, ensureConsumer, ensureStream } from './setup.js';
import { CONSUMER_NAME, STREAM_NAME, hostSubject, msgId } from './subjects.js';

function linkTo(server: TestNatsServer): NatsLink {
  const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } });
  return new NatsLink(config, secrets, { name: 'publisher-test', reconnectWaitMs: 100 });
}

async function storedCount(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info(STREAM_NAME)).state.messages;
}

const HIT = msgId.hit('web-1', 'c0ffee', 'stdout', 1_733_000_000_123_456_789n, 1, 7);

describe('JetStreamPublisher', () => {
  let server: TestNatsServer;
  let link: NatsLink;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    server = await TestNatsServer.start();
  });
  afterEach(async () => {
    if (!server.running) await server.restart();
    await jsm?.streams.delete(STREAM_NAME).catch(() => undefined);
    await link?.close();
  });
  afterAll(() => server.destroy());

  async function connected(): Promise<JetStreamPublisher> {
    link = linkTo(server);
    jsm = await jetstreamManager(await link.start());
    await ensureStream(jsm);
    return new JetStreamPublisher(link, { timeoutMs: 1_000 });
  }

  it('stores a message once when it is published twice with the same id, and says so', async () => {
    const publisher = await connected();
    const subject = hostSubject('web-1', 'hits');
    const first = await publisher.publish(subject, '{"line":1}', HIT);
    const again = await publisher.publish(subject, '{"line":1}', HIT);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
    const other = await publisher.publish(subject, '{"line":2}', `${HIT}-other`);
    expect(other.duplicate).toBe(false);
    expect(await storedCount(jsm)).toBe(2);
    expect(publisher.counters).toEqual({ published: 3, duplicates: 1, failed: 0 });
  });

  it('refuses a subject no stream captures', async () => {
    const publisher = await connected();
    const err = await publisher
      .publish('elsewhere.web-1.hits', 'x', 'id-1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NatsPublishError);
    // Nothing answers, and the server says so at once ("no responders"): no waiting.
    expect((err as NatsPublishError).reason).toBe('refused');
  });

  it('refuses a subject another stream captures: an ack from that stream is not ours', async () => {
    link = linkTo(server);
    jsm = await jetstreamManager(await link.start());
    // An operator's stream over our subjects (LOGWARDEN cannot exist beside it): an ack
    // from it would move the agent's cursor while no replica ever sees the message.
    await jsm.streams.add({ name: 'OTHER', subjects: ['logwarden.*.hits'] });
    try {
      const publisher = new JetStreamPublisher(link, { timeoutMs: 1_000 });
      const err = await publisher
        .publish(hostSubject('web-1', 'hits'), 'x', HIT)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NatsPublishError);
      expect((err as NatsPublishError).reason).toBe('refused');
      expect(publisher.counters).toEqual({ published: 0, duplicates: 0, failed: 1 });
    } finally {
      await jsm.streams.delete('OTHER');
    }
  });

  it('does not take a reply that is not a JetStream acknowledgement for one', async () => {
    link = linkTo(server);
    const nc = await link.start();
    jsm = await jetstreamManager(nc);
    // No stream captures the subject, but something answers requests on it.
    const replies = ['{}', '{"stream":"LOGWARDEN"}', '{"seq":3}'];
    let n = 0;
    const sub = nc.subscribe(hostSubject('web-1', 'status'), {
      callback: (_err, m) => {
        m.respond(replies[n++ % replies.length]);
      },
    });
    try {
      const publisher = new JetStreamPublisher(link, { timeoutMs: 1_000 });
      for (const reply of replies) {
        const err = await publisher
          .publish(hostSubject('web-1', 'status'), 'x', `${HIT}-${reply}`)
          .catch((e: unknown) => e);
        expect(err, `reply ${reply}`).toBeInstanceOf(NatsPublishError);
        expect((err as NatsPublishError).reason).toBe('refused');
      }
    } finally {
      sub.unsubscribe();
    }
  });

  it('is refused when the stream is full, and accepted again once the backlog is consumed', async () => {
    link = linkTo(server);
    jsm = await jetstreamManager(await link.start());
    await ensureStream(jsm, { ...DEFAULT_STREAM_SETTINGS, maxBytes: 4096 });
    await ensureConsumer(jsm);
    const publisher = new JetStreamPublisher(link, { timeoutMs: 1_000 });
    const subject = hostSubject('web-1', 'hits');
    const line = 'x'.repeat(1000);
    let refused: NatsPublishError | null = null;
    for (let i = 0; i < 10 && !refused; i++)
      refused = await publisher.publish(subject, line, `${HIT}-${i}`).then(
        () => null,
        (e: NatsPublishError) => e,
      );
    expect(refused?.reason).toBe('refused');
    expect(refused?.message).toMatch(/maximum bytes/i);

    // A replica acks what it committed: the work queue frees the space.
    const consumer = await jetstream(link.nc!).consumers.get(STREAM_NAME, CONSUMER_NAME);
    for await (const m of await consumer.fetch({ max_messages: 10, expires: 1_000 }))
      await m.ackAck();
    expect((await publisher.publish(subject, line, `${HIT}-after`)).duplicate).toBe(false);
  });

  it('fails within its bound while NATS is down, and stores once after NATS is back', async () => {
    const publisher = await connected();
    const subject = hostSubject('web-1', 'hits');
    await publisher.publish(subject, 'before', `${HIT}-before`);

    await server.stop();
    // Bounded by the publisher's timeout: a publish that waited for NATS would hang the
    // test past its own timeout. (No wall-clock bound: a busy machine stretches any.)
    const down = await publisher.publish(subject, 'during', HIT).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(NatsPublishError);
    expect(['disconnected', 'timeout']).toContain((down as NatsPublishError).reason);
    // Once the loss is noticed a publish fails at once: 'disconnected' is decided before
    // anything is sent, where a waited-out publish says 'timeout'.
    await eventually(() => link.status().state === 'reconnecting', 10_000, 'reconnecting');
    const again = await publisher.publish(subject, 'during', HIT).catch((e: unknown) => e);
    expect((again as NatsPublishError).reason).toBe('disconnected');

    // Same port, same store: the stream and what it held survive the restart.
    await server.restart();
    await eventually(() => link.status().state === 'connected', 15_000, 'reconnected');
    const ack = await eventually(
      () => publisher.publish(subject, 'during', HIT).catch(() => undefined),
      15_000,
      'a publish after the restart',
    );
    expect(ack.stream).toBe(STREAM_NAME);
    // Published again with the same id: still one copy.
    expect((await publisher.publish(subject, 'during', HIT)).duplicate).toBe(true);
    expect(await storedCount(jsm)).toBe(2);
  });

  it('times out within its bound when the server hangs without dropping the connection', async () => {
    const publisher = await connected();
    const subject = hostSubject('web-1', 'hits');
    await server.pause();
    try {
      // Bounded: without its timeout the publish would wait for ever and the test's own
      // timeout would fail it. No wall-clock bound here: a busy machine stretches any.
      const err = await publisher.publish(subject, 'hung', HIT).catch((e: unknown) => e);
      expect((err as NatsPublishError).reason).toBe('timeout');
    } finally {
      server.resume();
    }
    // It may have been stored after all: the same id again is at most one copy.
    await publisher.publish(subject, 'hung', HIT);
    expect(await storedCount(jsm)).toBe(1);
  }, 15_000);

  it('fails at once before the first connection', async () => {
    await server.stop();
    link = linkTo(server);
    void link.start().catch(() => undefined);
    const publisher = new JetStreamPublisher(link, { timeoutMs: 1_000 });
    const err = await publisher
      .publish(hostSubject('web-1', 'hits'), 'x', HIT)
      .catch((e: unknown) => e);
    expect((err as NatsPublishError).reason).toBe('disconnected');
    expect((err as Error).message).toMatch(/not connected to NATS \(connecting\)/);
  });
});
