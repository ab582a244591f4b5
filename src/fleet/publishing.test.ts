import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewEvent } from '../events/index.js';
import { NatsPublishError } from '../nats/index.js';
import { CursorRepository } from '../scanner/index.js';
import { migrateToLatest, openStore, type Store } from '../store/index.js';
import type { HitMessage, StreamPublisher } from './messages.js';
import { OutboxDrainer } from './outbox-drainer.js';
import { OutboxEventRecorder, OutboxRepository } from './outbox.js';
import { PublishingBatchWriter } from './publishing-batch-writer.js';
import { InventoryPublisher, splitParts } from './inventory-publisher.js';
import { parseFleetMessage } from './messages.js';
import { containerRecord } from '../../test/support/fixtures.js';

/** JetStream as far as the agent sees it: keeps what it acks; refuses while `down`. */
class FakeStream implements StreamPublisher {
  readonly stored: { subject: string; data: string; id: string }[] = [];
  down = false;
  attempts = 0;
  async publish(subject: string, data: string, id: string) {
    this.attempts++;
    if (this.down) throw new NatsPublishError('disconnected', 'not connected to NATS');
    // The contract between the two ends: what an agent publishes, a replica accepts.
    const checked = parseFleetMessage(subject, new TextEncoder().encode(data), id);
    if (!checked.ok) throw new Error(`a replica would refuse ${subject} ${id}: ${checked.reason}`);
    this.stored.push({ subject, data, id });
    return { duplicate: false };
  }
  ids(): string[] {
    return this.stored.map((m) => m.id);
  }
}

const sender = { host: 'web-1', agent: 'boot-1' };
const log = pino({ level: 'silent' });
let store: Store;
let stream: FakeStream;
let outbox: OutboxRepository;
let recorder: OutboxEventRecorder;
let cursors: CursorRepository;

beforeEach(async () => {
  store = openStore({ url: 'sqlite::memory:', dataDir: '.' });
  await migrateToLatest(store);
  stream = new FakeStream();
  outbox = new OutboxRepository(store.db);
  recorder = new OutboxEventRecorder(outbox);
  cursors = new CursorRepository(store.db);
});
afterEach(() => store.destroy());

const hit = (n: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  source: 'logscan',
  severity: 'warn',
  message: `HIT ${n}`,
  container_id: 'c1',
  rule_id: 7,
  ...extra,
});
const fire: NewEvent = { source: 'logscan', severity: 'error', message: '5 hits in 60 s' };

function writer() {
  return new PublishingBatchWriter({ db: store.db, publisher: stream, fires: recorder, sender });
}

describe('PublishingBatchWriter', () => {
  it('publishes each hit under its line’s id, then saves the cursors and the fires', async () => {
    const w = writer();
    const ids = await w.recordBatch(
      [hit(1), hit(2), fire],
      (tx) => cursors.save(tx, 'c1', { stdout: { tsNanos: 20n, seenAtTs: 2 } }, 1),
      [],
      [
        { stream: 'stdout', tsNanos: 20n, tie: 1 },
        { stream: 'stdout', tsNanos: 20n, tie: 2 },
      ],
    );
    expect(ids).toHaveLength(3);
    expect(stream.ids()).toEqual(['hit:web-1:c1:stdout:20:1:7', 'hit:web-1:c1:stdout:20:2:7']);
    expect(stream.stored.every((m) => m.subject === 'logwarden.web-1.hits')).toBe(true);
    const message = JSON.parse(stream.stored[0]!.data) as HitMessage;
    expect(message).toMatchObject({
      v: 1,
      type: 'hit',
      host: 'web-1',
      agent: 'boot-1',
      event: { message: 'HIT 1' },
      line: { stream: 'stdout', ts_nanos: '20', tie: 1 },
    });
    expect(await cursors.load('c1')).toEqual({ stdout: { tsNanos: 20n, seenAtTs: 2 } });
    // The fire went to the outbox, not to the hits subject.
    expect((await outbox.oldest(10)).map((e) => e.event.message)).toEqual(['5 hits in 60 s']);
  });

  it('dates a hit when Docker says its line was written, not when a replica commits it', async () => {
    await writer().recordBatch(
      [hit(1)],
      async () => undefined,
      [],
      [{ stream: 'stderr', tsNanos: 1_796_000_000_123_456_789n, tie: 0 }],
    );
    const message = JSON.parse(stream.stored[0]!.data) as HitMessage;
    expect(message.event.created_at).toBe(1_796_000_000_123);
  });

  it('moves no cursor and keeps no fire when a publish fails; the retry names the hits alike', async () => {
    const w = writer();
    const batch = (): Parameters<PublishingBatchWriter['recordBatch']> => [
      [hit(1), fire],
      (tx) => cursors.save(tx, 'c1', { stderr: { tsNanos: 5n, seenAtTs: 1 } }, 1),
      [],
      [{ stream: 'stderr', tsNanos: 5n, tie: 1 }],
    ];
    stream.down = true;
    await expect(w.recordBatch(...batch())).rejects.toBeInstanceOf(NatsPublishError);
    expect(await cursors.load('c1')).toEqual({});
    expect(await outbox.count()).toBe(0);

    stream.down = false;
    await w.recordBatch(...batch());
    expect(stream.ids()).toEqual(['hit:web-1:c1:stderr:5:1:7']);
    expect(await cursors.load('c1')).toEqual({ stderr: { tsNanos: 5n, seenAtTs: 1 } });
    expect(await outbox.count()).toBe(1);
  });

  it('publishes a hit’s lines after under the hit’s id, by the local id it answered', async () => {
    const w = writer();
    const [stored] = await w.recordBatch(
      [hit(1, { context_pending: true, context: { before: ['b'], after: [] } })],
      async () => undefined,
      [],
      [{ stream: 'stdout', tsNanos: 9n, tie: 1 }],
    );
    expect(w.waitingForContext).toBe(1);
    await w.recordBatch([], async () => undefined, [
      { event_id: stored!.id, context: { before: ['b'], after: ['a1', 'a2'] } },
    ]);
    expect(stream.stored.at(-1)).toMatchObject({
      subject: 'logwarden.web-1.hits',
      id: 'ctx:hit:web-1:c1:stdout:9:1:7',
    });
    expect(JSON.parse(stream.stored.at(-1)!.data)).toMatchObject({
      type: 'context',
      hit: 'hit:web-1:c1:stdout:9:1:7',
      context: { after: ['a1', 'a2'] },
    });
    expect(w.waitingForContext).toBe(0);
  });
});

describe('OutboxDrainer', () => {
  it('publishes in id order, deletes after the ack, and waits out NATS without dropping', async () => {
    const drainer = new OutboxDrainer({
      outbox,
      publisher: stream,
      sender,
      storeEpoch: 'e1',
      log,
      options: { retryMs: { min: 1, max: 4 }, idleMs: 5 },
    });
    recorder.onRecorded(() => drainer.wake());
    stream.down = true;
    drainer.start();
    const first = await recorder.record({ source: 'docker', severity: 'error', message: 'one' });
    await recorder.record({ source: 'docker', severity: 'error', message: 'two' });
    await expect.poll(() => stream.attempts).toBeGreaterThan(3);
    expect(await outbox.count()).toBe(2);
    expect(drainer.failures).toBeGreaterThan(0);

    stream.down = false;
    await expect.poll(() => outbox.count()).toBe(0);
    await drainer.stop();
    expect(stream.ids()).toEqual([`evt:web-1:e1:${first.id}`, `evt:web-1:e1:${first.id + 1}`]);
    expect(stream.stored.map((m) => m.subject)).toEqual([
      'logwarden.web-1.events',
      'logwarden.web-1.events',
    ]);
    const messages = stream.stored.map((m) => JSON.parse(m.data) as { event: NewEvent });
    expect(messages.map((m) => m.event.message)).toEqual(['one', 'two']);
    // Stamped when recorded, not when NATS took it.
    expect(typeof messages[0]!.event.created_at).toBe('number');
  });
});

describe('splitParts', () => {
  it('keeps each part under the limit, every container once, and one part for none', () => {
    const containers = Array.from({ length: 50 }, (_, i) => containerRecord(`c${i}`));
    const size = Buffer.byteLength(JSON.stringify(containers[0]));
    const parts = splitParts(containers, size * 8);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts)
      expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(size * 8 + 10);
    expect(parts.flat().map((c) => c.id)).toEqual(containers.map((c) => c.id));
    expect(splitParts([])).toEqual([[]]);
  });
});

it('publishes container changes and snapshots a replica accepts, without the row’s host', async () => {
  // The agent's store is the server's schema: its rows carry host_id (null), the wire not.
  const hosted = { ...containerRecord('c0ffee'.padEnd(64, '0')), host_id: null };
  const publisher = new InventoryPublisher({
    inventory: { onChange: () => () => undefined, list: async () => [hosted] },
    publisher: stream,
    sender,
    log,
  });
  await publisher.publishSnapshot();
  await publisher.publishChange({ type: 'started', container: hosted });
  expect(stream.stored.map((m) => JSON.parse(m.data).type)).toEqual(['snapshot', 'container']);
  for (const m of stream.stored) expect(m.data).not.toContain('host_id');
});
