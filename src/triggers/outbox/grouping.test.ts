import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestStore } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import { startReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { EventBus } from '../../events/bus.js';
import { EventRepository } from '../../events/repository.js';
import { EventLog } from '../../events/service.js';
import { SafeHttp } from '../../egress/safe-http.js';
import { channelFactory } from '../channels/index.js';
import { NO_NAMES } from '../channels/payload.js';
import { EMPTY_FILTER, MAX_GROUP_LISTED } from '../model.js';
import { TriggerRepository } from '../repository.js';
import { DEFAULT_RETRY } from './backoff.js';
import { DeliveryRepository } from './delivery-repository.js';
import { TriggerDispatcher } from './dispatcher.js';
import { DeliveryWorker } from './worker.js';
import type { DeliveryJournalEntry } from '../journal.js';

const log = pino({ level: 'silent' });
const T0 = 1_800_000_000_000;

interface Body {
  event: { id: number; message: string };
  group?: { count: number; events: { id: number; message: string }[]; more: number };
}

describe('grouped triggers', () => {
  const store = useTestStore('sqlite');
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(group: { wait: number; interval: number }) {
    const db = store().db;
    let now = T0;
    const clock = () => now;
    const receiver: WebhookReceiver = await startReceiver();
    const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
    cleanup.push(
      () => receiver.close(),
      () => http.close(),
    );
    const triggers = new TriggerRepository(db);
    await triggers.insert(
      {
        name: 'grouped',
        enabled: true,
        filter: EMPTY_FILTER,
        channel: { type: 'webhook', url: `${receiver.url}/hook`, headers: {}, body_template: null },
        secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        disabled_reason: null,
        group_wait_seconds: group.wait,
        group_interval_seconds: group.interval,
        context_wait_seconds: 0,
        notify_on: ['event'],
        repeat_interval_seconds: 0,
      },
      1,
    );
    const outbox = new DeliveryRepository(db);
    const journal: DeliveryJournalEntry[] = [];
    const worker = new DeliveryWorker({
      store: outbox,
      triggers: { get: (id) => triggers.get(id), disable: async () => undefined },
      channels: channelFactory({ http, addresses: http, userAgent: 'test' }),
      names: NO_NAMES,
      journal: { record: (e) => journal.push(e) },
      metrics: { observe: () => undefined },
      log,
      options: {
        concurrency: 4,
        retry: { ...DEFAULT_RETRY, baseMs: 5 },
        pollMs: 20,
        random: () => 0.5,
      },
      now: clock,
    });
    const eventLog = new EventLog(db, new EventRepository(db), new EventBus(), clock);
    const dispatcher = new TriggerDispatcher({ triggers, outbox, worker, log, now: clock });
    await dispatcher.start(eventLog);
    worker.start();
    cleanup.push(() => worker.stop());
    const bodies = () => receiver.requests.map((r) => JSON.parse(r.body) as Body);
    const record = (message: string) =>
      eventLog.record({ source: 'system', severity: 'error', message });
    return {
      outbox,
      journal,
      receiver,
      bodies,
      record,
      at: (ms: number) => {
        now = ms;
        worker.wake();
      },
      pending: async () => (await outbox.list({ status: 'pending' })).items.length,
    };
  }

  it('waits group_wait, then sends what arrived together as one message listing them', async () => {
    const h = await setup({ wait: 30, interval: 0 });
    for (let i = 1; i <= 5; i++) await h.record(`container ${i} exited`);
    h.at(T0 + 29_000);
    // Nothing is due before group_wait: the five wait together.
    await eventually(async () => ((await h.pending()) === 5 ? true : undefined));
    expect(h.receiver.requests).toHaveLength(0);
    h.at(T0 + 30_000);
    await eventually(async () => ((await h.pending()) === 0 ? true : undefined));
    expect(h.bodies()).toHaveLength(1);
    const body = h.bodies()[0]!;
    expect(body.group!.count).toBe(5);
    expect(body.group!.events.map((e) => e.message)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `container ${i} exited`),
    );
    expect(body.event.message).toBe('container 1 exited');
    const sent = (await h.outbox.list({ status: 'sent' })).items;
    expect(sent).toHaveLength(5);
    expect(h.journal.map((e) => [e.action, e.batch])).toEqual([['delivery.sent', 5]]);
  });

  it('then at most one update per group_interval, with what came since', async () => {
    const h = await setup({ wait: 10, interval: 300 });
    await h.record('first');
    h.at(T0 + 10_000);
    await eventually(() => (h.receiver.requests.length === 1 ? true : undefined));
    h.at(T0 + 20_000);
    await h.record('second');
    await h.record('third');
    h.at(T0 + 309_000);
    await eventually(async () => ((await h.pending()) === 2 ? true : undefined));
    expect(h.receiver.requests).toHaveLength(1);
    h.at(T0 + 310_000);
    await eventually(() => (h.receiver.requests.length === 2 ? true : undefined));
    expect(h.bodies()[1]!.group).toMatchObject({ count: 2, more: 0 });
    // Quiet for longer than the interval: the next event starts a new batch, group_wait.
    h.at(T0 + 1_000_000);
    await h.record('later');
    h.at(T0 + 1_009_000);
    await eventually(async () => ((await h.pending()) === 1 ? true : undefined));
    h.at(T0 + 1_010_000);
    await eventually(() => (h.receiver.requests.length === 3 ? true : undefined));
  });

  it('lists at most MAX_GROUP_LISTED events and says how many more', async () => {
    const h = await setup({ wait: 5, interval: 0 });
    for (let i = 1; i <= MAX_GROUP_LISTED + 7; i++) await h.record(`line ${i}`);
    h.at(T0 + 5_000);
    await eventually(() => (h.receiver.requests.length === 1 ? true : undefined));
    expect(h.bodies()[0]!.group).toMatchObject({ count: MAX_GROUP_LISTED + 7, more: 7 });
    expect(h.bodies()[0]!.group!.events).toHaveLength(MAX_GROUP_LISTED);
  });
});
