import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestStore } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import {
  startReceiver,
  type Responder,
  type WebhookReceiver,
} from '../../../test/fakes/webhook-receiver.js';
import { DEFAULT_RETRY } from './backoff.js';
import { channelFactory } from '../channels/index.js';
import { DeliveryRepository } from './delivery-repository.js';
import type { DeliveryJournalEntry } from '../journal.js';
import { EMPTY_FILTER, type Delivery, type Trigger } from '../model.js';
import { NO_NAMES } from '../channels/payload.js';
import { TriggerRepository } from '../repository.js';
import { SafeHttp } from '../../egress/safe-http.js';
import { generateSecret } from '../secret.js';
import { TriggersService } from '../service.js';
import { DeliveryWorker } from './worker.js';
import { TriggerDispatcher } from './dispatcher.js';
import { EventBus } from '../../events/bus.js';
import { EventRepository } from '../../events/repository.js';
import { EventLog } from '../../events/service.js';
import { storedEvent } from '../../../test/support/fixtures.js';
import { severityRank, type StoredEvent } from '../../events/model.js';

const log = pino({ level: 'silent' });
const event = (id: number) => storedEvent({ id, message: `boom ${id}` });

describe('delivery worker', () => {
  const store = useTestStore('sqlite');
  /** Puts events in the log under their own ids (SQLite takes explicit ids). */
  const recordEvents = async (events: StoredEvent[]) => {
    for (const { context, context_pending: _notStored, ...e } of events)
      await store()
        .db.insertInto('event_log')
        .values({
          ...e,
          severity_rank: severityRank(e.severity),
          metadata: JSON.stringify(e.metadata),
          context: context && JSON.stringify(context),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
  };
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function setup(
    responder: Responder,
    options: {
      maxAttempts?: number;
      concurrency?: number;
      stalledAfterMs?: number;
      pollMs?: number;
      now?: () => number;
    } = {},
  ) {
    const receiver: WebhookReceiver = await startReceiver(responder);
    const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
    cleanup.push(
      () => receiver.close(),
      () => http.close(),
    );
    const repo = new TriggerRepository(store().db);
    const outbox = new DeliveryRepository(store().db);
    const journal: DeliveryJournalEntry[] = [];
    const metrics: [string, string, number][] = [];
    const channels = channelFactory({ http, addresses: http, userAgent: 'test' });
    const service = new TriggersService({
      repo,
      targets: http,
      channels,
      names: NO_NAMES,
      dispatcher: { reload: async () => undefined },
      journal: { record: (e) => journal.push(e) },
    });
    const workers: DeliveryWorker[] = [];
    const worker = () => {
      const w = new DeliveryWorker({
        store: outbox,
        triggers: { get: (id) => repo.get(id), disable: (id, why) => service.disable(id, why) },
        channels,
        names: NO_NAMES,
        journal: { record: (e) => journal.push(e) },
        metrics: { observe: (...m) => metrics.push(m) },
        log,
        options: {
          concurrency: options.concurrency ?? 4,
          // Sends never count as stalled unless a test is about that.
          stalledAfterMs: options.stalledAfterMs ?? 3_600_000,
          // Milliseconds instead of minutes: the schedule's shape, not its pace.
          retry: { ...DEFAULT_RETRY, baseMs: 5, maxAttempts: options.maxAttempts ?? 6 },
          pollMs: options.pollMs ?? 50,
          random: () => 0.5,
        },
        now: options.now,
      });
      workers.push(w);
      cleanup.push(() => w.stop());
      return w;
    };
    const secret = generateSecret();
    /** A webhook trigger posting to `path` on the receiver. */
    const addTrigger = (path: string): Promise<Trigger> =>
      repo.insert(
        {
          name: `hook ${path}`,
          enabled: true,
          filter: EMPTY_FILTER,
          channel: {
            type: 'webhook',
            url: `${receiver.url}${path}`,
            headers: {},
            body_template: null,
          },
          secret,
          disabled_reason: null,
          group_wait_seconds: 0,
          group_interval_seconds: 0,
          notify_on: ['event'],
          repeat_interval_seconds: 0,
          context_wait_seconds: 3,
        },
        1,
      );
    const trigger: Trigger = await addTrigger('/hook');
    const enqueue = async (ids: number[], now = Date.now(), triggerId = trigger.id) => {
      // Deliveries refer to their event rows: the log holds them first, as in the dispatcher.
      await recordEvents(ids.map(event));
      await outbox.enqueue(
        ids.map((id) => ({
          trigger_id: triggerId,
          event: event(id),
          channel: 'webhook' as const,
          message_id: `msg_${triggerId}_${id}`,
        })),
        now,
      );
    };
    const all = async () => (await outbox.list({})).items.reverse();
    const settled = (n: number) =>
      eventually(async () => {
        const rows = await all();
        return rows.length === n && rows.every((d) => d.status !== 'pending') ? rows : undefined;
      }, 20_000);
    return {
      receiver,
      repo,
      outbox,
      trigger,
      addTrigger,
      secret,
      journal,
      metrics,
      worker,
      enqueue,
      all,
      settled,
    };
  }

  it('sends as soon as the event commits: the commit wakes the worker, no poll needed', async () => {
    // The worker never polls within this test: only the commit can start the send.
    const h = await setup(() => ({ status: 200 }), { pollMs: 3_600_000 });
    const worker = h.worker();
    worker.start();
    const db = store().db;
    const eventLog = new EventLog(db, new EventRepository(db), new EventBus());
    const dispatcher = new TriggerDispatcher({ triggers: h.repo, outbox: h.outbox, worker, log });
    await dispatcher.start(eventLog);
    // Let the start's look at the (empty) outbox end, so the worker sleeps on its poll.
    await eventually(async () => (await h.outbox.list({})).items.length === 0);
    await new Promise((r) => setImmediate(r));
    const stored = await eventLog.record({ source: 'logscan', severity: 'error', message: 'now' });
    await eventually(() => h.receiver.requests.length === 1, 20_000);
    const body = JSON.parse(h.receiver.requests[0]!.body) as { event: { id: number } };
    expect(body.event.id).toBe(stored.id);
    await dispatcher.stop();
  });

  it('500 three times then 200: four attempts, one sent, the same webhook-id each time', async () => {
    const h = await setup((_req, i) => ({ status: i < 3 ? 500 : 200 }));
    await h.enqueue([1]);
    h.worker().start();
    const [delivery] = (await h.settled(1)) as [Delivery];
    expect(delivery).toMatchObject({
      status: 'sent',
      attempts: 4,
      last_status_code: 200,
      last_error: null,
    });
    expect(h.receiver.requests.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
    const ids = new Set(h.receiver.requests.map((r) => r.headers['webhook-id']));
    expect([...ids]).toEqual([delivery.message_id]);
    for (const request of h.receiver.requests)
      expect(() =>
        new Webhook(h.secret).verify(request.body, request.headers as Record<string, string>),
      ).not.toThrow();
    expect(h.journal.map((e) => e.action)).toEqual([
      'delivery.retrying',
      'delivery.retrying',
      'delivery.retrying',
      'delivery.sent',
    ]);
    expect(h.metrics.map(([channel, outcome]) => `${channel}:${outcome}`)).toEqual([
      'webhook:retrying',
      'webhook:retrying',
      'webhook:retrying',
      'webhook:sent',
    ]);
  });

  it('a 4xx is final after one attempt; exhausted retries end dead', async () => {
    const h = await setup((req) => ({ status: req.body.includes('boom 1') ? 404 : 503 }), {
      maxAttempts: 3,
    });
    await h.enqueue([1, 2]);
    h.worker().start();
    const rows = await h.settled(2);
    expect(rows.map((d) => [d.status, d.attempts, d.last_status_code])).toEqual([
      ['failed', 1, 404],
      ['dead', 3, 503],
    ]);
    expect(h.receiver.requests).toHaveLength(4);
  });

  it('keeps credentials out of the outbox and the journal, even when a receiver echoes them', async () => {
    const h = await setup((req) => ({
      status: 400,
      body: `refused ${String(req.headers.authorization)} ${String(req.headers['webhook-signature'])}`,
    }));
    await h.repo.update(
      h.trigger.id,
      {
        channel: {
          type: 'webhook',
          url: h.trigger.channel.type === 'webhook' ? h.trigger.channel.url : '',
          headers: { authorization: 'Bearer leaky-token-1' },
          body_template: null,
        },
      },
      2,
    );
    await h.enqueue([1]);
    h.worker().start();
    const [delivery] = await h.settled(1);
    expect(delivery!.status).toBe('failed');
    expect(delivery!.last_error).toMatch(/^HTTP 400: refused \*{8} v1,/);
    const stored = JSON.stringify([await h.all(), h.journal]);
    expect(stored).not.toContain('leaky-token-1');
    expect(stored).not.toContain(h.secret);
  });

  it('honours Retry-After: the next attempt waits as long as the receiver asked', async () => {
    const T = 1_800_000_000_000;
    const h = await setup(() => ({ status: 429, headers: { 'retry-after': '3600' } }), {
      now: () => T,
    });
    await h.enqueue([1], T);
    h.worker().start();
    const delivery = await eventually(async () => {
      const [d] = await h.all();
      return d && d.attempts === 1 ? d : undefined;
    });
    expect(delivery).toMatchObject({ status: 'pending', next_attempt_at: T + 3_600_000 });
    expect(h.receiver.requests).toHaveLength(1);
  });

  it('410 turns the trigger off with the reason; its other deliveries are not sent', async () => {
    const h = await setup(() => ({ status: 410 }), { concurrency: 1 });
    await h.enqueue([1, 2]);
    h.worker().start();
    const rows = await h.settled(2);
    expect(rows[0]).toMatchObject({ status: 'failed', last_status_code: 410, attempts: 1 });
    expect(rows[1]).toMatchObject({ status: 'failed', attempts: 0 });
    expect(rows[1]!.last_error).toMatch(/^trigger is disabled: the receiver answered 410 Gone/);
    expect(h.receiver.requests).toHaveLength(1);
    const trigger = await h.repo.get(h.trigger.id);
    expect(trigger).toMatchObject({ enabled: false });
    expect(trigger!.disabled_reason).toMatch(/410 Gone/);
    expect(h.journal.map((e) => e.action)).toContain('trigger.disabled');
  });

  it('sends at most `concurrency` at once', async () => {
    const h = await setup(() => ({ hang: true }), { concurrency: 3 });
    await h.enqueue([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const worker = h.worker();
    worker.start();
    let released = 0;
    while (released < 10) {
      const batch = Math.min(3, 10 - released);
      await eventually(() => h.receiver.requests.length === released + batch, 20_000);
      expect(worker.active).toBe(batch);
      released += batch;
      h.receiver.release(200);
    }
    await h.settled(10);
    expect(h.receiver.requests).toHaveLength(10);
    expect(h.receiver.maxOpen()).toBe(3);
  });

  it('receivers that hang hold at most their share of the slots: the others are sent meanwhile', async () => {
    const h = await setup(
      (req) => (req.path.startsWith('/hang') ? { hang: true } : { status: 200 }),
      {
        concurrency: 4,
      },
    );
    const hanging = [
      await h.addTrigger('/hang/1'),
      await h.addTrigger('/hang/2'),
      await h.addTrigger('/hang/3'),
    ];
    const healthy = await h.addTrigger('/ok');
    // The hanging triggers' backlog is older: without shares it would take every slot.
    for (const [i, t] of hanging.entries())
      await h.enqueue([10 * i + 1, 10 * i + 2, 10 * i + 3, 10 * i + 4], 1_000, t.id);
    await h.enqueue([91, 92, 93, 94, 95, 96], Date.now(), healthy.id);
    h.worker().start();
    const sent = async () =>
      (await h.outbox.list({ trigger_id: healthy.id, status: 'sent' })).items.length;
    await eventually(async () => (await sent()) === 6, 20_000);
    const open = (t: Trigger) =>
      h.receiver.requests.filter((r) => r.path === `/hang/${t.name.slice(-1)}` && !r.answered);
    // One send each while four triggers had work (a second once the healthy one is
    // idle): still hanging, within the slots; none of theirs failed.
    for (const t of hanging) expect(open(t).length).toBeGreaterThanOrEqual(1);
    for (const t of hanging) expect(open(t).length).toBeLessThanOrEqual(2);
    expect(hanging.reduce((n, t) => n + open(t).length, 0)).toBeLessThanOrEqual(4);
    const pending = await h.outbox.list({ status: 'pending' });
    expect(pending.items.filter((d) => d.trigger_id !== healthy.id)).toHaveLength(12);
    expect(pending.items.every((d) => d.attempts === 0)).toBe(true);
  });

  it('a trigger with nothing in flight may go one beyond the slots, so later work never waits on hangs', async () => {
    const h = await setup(
      (req) => (req.path.startsWith('/hang') ? { hang: true } : { status: 200 }),
      { concurrency: 4 },
    );
    const hanging = [await h.addTrigger('/hang/1'), await h.addTrigger('/hang/2')];
    for (const [i, t] of hanging.entries())
      await h.enqueue([10 * i + 1, 10 * i + 2, 10 * i + 3], 1_000, t.id);
    const worker = h.worker();
    worker.start();
    // Two triggers with work, a share of two each: every slot hangs.
    await eventually(() => h.receiver.requests.length === 4);
    expect(worker.active).toBe(4);
    await h.enqueue([31, 32], Date.now(), h.trigger.id);
    worker.wake();
    await eventually(async () => {
      const rows = (await h.outbox.list({ trigger_id: h.trigger.id })).items;
      return rows.length === 2 && rows.every((d) => d.status === 'sent');
    }, 20_000);
    expect(h.receiver.requests.filter((r) => r.path.startsWith('/hang'))).toHaveLength(4);
    expect(h.receiver.requests.filter((r) => r.path === '/hook')).toHaveLength(2);
  });

  it('a send that stalls stops holding its slot: with one slot, the next trigger goes meanwhile', async () => {
    const h = await setup((req) => (req.path === '/hang' ? { hang: true } : { status: 200 }), {
      concurrency: 1,
      stalledAfterMs: 200,
    });
    const stuck = await h.addTrigger('/hang');
    await h.enqueue([1, 2], 1_000, stuck.id);
    await h.enqueue([3], Date.now(), h.trigger.id);
    const worker = h.worker();
    worker.start();
    await eventually(async () => {
      const [d] = (await h.outbox.list({ trigger_id: h.trigger.id })).items;
      return d?.status === 'sent';
    }, 20_000);
    // Sent while the stalled send was still out (not after it timed out), and the
    // stalled trigger took no second send: its share is still one.
    const hung = h.receiver.requests.filter((r) => r.path === '/hang');
    expect(hung.map((r) => r.answered)).toEqual([null]);
    expect(worker.active).toBe(1);
  });

  it('a delivery whose event is gone from the log (and left no copy) fails saying so, unsent', async () => {
    const h = await setup(() => ({ status: 200 }));
    await h.enqueue([1]);
    await store().db.deleteFrom('event_log').execute();
    h.worker().start();
    const [delivery] = await h.settled(1);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 0,
      last_error: 'the event was pruned by retention before it could be sent',
    });
    expect(h.receiver.requests).toHaveLength(0);
  });

  it('what was pending when a worker stopped is sent by the next one, once', async () => {
    const h = await setup(() => ({ hang: true }), { concurrency: 2 });
    await h.enqueue([1, 2, 3]);
    const first = h.worker();
    first.start();
    await eventually(() => h.receiver.requests.length === 2);
    await first.stop();
    // Cut short by the stop: not an attempt, still pending.
    expect((await h.all()).map((d) => [d.status, d.attempts])).toEqual([
      ['pending', 0],
      ['pending', 0],
      ['pending', 0],
    ]);
    h.receiver.respond(() => ({ status: 200 }));
    h.worker().start();
    const rows = await h.settled(3);
    expect(rows.map((d) => [d.status, d.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    const answered = h.receiver.requests.filter((r) => r.answered === 200);
    expect(answered.map((r) => r.headers['webhook-id']).sort()).toEqual(
      rows.map((d) => d.message_id).sort(),
    );
  });
});
