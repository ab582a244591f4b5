import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import { startReceiver, type Responder } from '../../../test/fakes/webhook-receiver.js';
import { storedEvent } from '../../../test/support/fixtures.js';
import { SafeHttp } from '../../egress/safe-http.js';
import { severityRank } from '../../events/model.js';
import { channelFactory } from '../channels/index.js';
import { NO_NAMES } from '../channels/payload.js';
import { EMPTY_FILTER } from '../model.js';
import { TriggerRepository } from '../repository.js';
import { generateSecret } from '../secret.js';
import { DEFAULT_RETRY } from './backoff.js';
import { DeliveryRepository, type DeliveryLease } from './delivery-repository.js';
import { DeliveryWorker } from './worker.js';

const LEASE_MS = 30_000;
const T0 = 1_800_000_000_000;
const lease = (owner: string): DeliveryLease => ({ owner, ms: LEASE_MS });

describe.each(DIALECTS)('replicas sharing the outbox on %s', (dialect) => {
  const store = useTestStore(dialect);
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  /** `n` events and one webhook trigger's pending deliveries of them, due at `dueAt`. */
  async function outboxWith(
    n: number,
    url = 'http://127.0.0.1:9/hook',
    dueAt = T0,
    groupIntervalSeconds = 0,
  ) {
    const { db } = store();
    const trigger = await new TriggerRepository(db).insert(
      {
        name: 'hook',
        enabled: true,
        filter: EMPTY_FILTER,
        channel: { type: 'webhook', url, headers: {}, body_template: null },
        secret: generateSecret(),
        disabled_reason: null,
        group_wait_seconds: 0,
        group_interval_seconds: groupIntervalSeconds,
        notify_on: ['event'],
        repeat_interval_seconds: 0,
        context_wait_seconds: 3,
      },
      1,
    );
    const events = [];
    for (let i = 1; i <= n; i++) {
      const { id: _id, context: _c, context_pending: _p, ...e } = storedEvent({ message: `e${i}` });
      const row = await db
        .insertInto('event_log')
        .values({
          ...e,
          severity_rank: severityRank(e.severity),
          metadata: '{}',
          context: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      events.push(storedEvent({ id: Number(row.id), message: `e${i}` }));
    }
    await new DeliveryRepository(db).enqueue(
      events.map((event) => ({
        trigger_id: trigger.id,
        event,
        channel: 'webhook' as const,
        message_id: `msg_${event.id}`,
      })),
      dueAt,
    );
    return trigger;
  }

  it('a claimed delivery is not due for another replica until the claim runs out', async () => {
    await outboxWith(1);
    const a = new DeliveryRepository(store().db, lease('replica-a'));
    const b = new DeliveryRepository(store().db, lease('replica-b'));
    const [claimed] = await a.due(T0, 10, []);
    expect(claimed?.message_id).toBe('msg_' + claimed!.event_id);
    expect(await b.due(T0 + 1_000, 10, [])).toEqual([]);
    expect(await b.dueTriggers(T0 + 1_000, [])).toEqual([]);
    // Not a hot loop: the next look is when the claim ends.
    expect(await b.nextDueAt([], [])).toBe(T0 + LEASE_MS);
  });

  it('a claim that ran out is sent again under the same webhook-id, marked uncertain', async () => {
    await outboxWith(1);
    const a = new DeliveryRepository(store().db, lease('replica-a'));
    const b = new DeliveryRepository(store().db, lease('replica-b'));
    const [first] = await a.due(T0, 10, []);
    // replica-a dies with the request out: nothing recorded, the claim runs out.
    const [again] = await b.due(T0 + LEASE_MS, 10, []);
    expect(again?.id).toBe(first!.id);
    expect(again?.message_id).toBe(first!.message_id);
    expect(again?.attempts).toBe(1);
    expect(again?.last_error).toMatch(/^uncertain: replica-a was sending it/);
    expect((await b.get(first!.id))?.status).toBe('pending');
  });

  it('renewing keeps the claim; recording the outcome ends it', async () => {
    await outboxWith(2);
    const a = new DeliveryRepository(store().db, lease('replica-a'));
    const b = new DeliveryRepository(store().db, lease('replica-b'));
    const [one, two] = await a.due(T0, 10, []);
    await a.renewLeases([one!.id, two!.id], T0 + LEASE_MS / 2);
    expect(await b.due(T0 + LEASE_MS, 10, [])).toEqual([]);
    await a.recordAttempt(
      one!.id,
      {
        status: 'pending',
        attempts: 1,
        next_attempt_at: T0 + LEASE_MS,
        last_status_code: 500,
        last_error: 'HTTP 500',
        latency_ms: 3,
        sent_at: null,
      },
      T0 + 1,
    );
    const retried = await b.due(T0 + LEASE_MS, 10, []);
    expect(retried.map((d) => [d.id, d.attempts, d.last_error])).toEqual([
      [one!.id, 1, 'HTTP 500'],
    ]);
  });

  it('replicas claiming at once never take the same delivery', async () => {
    await outboxWith(40);
    const replicas = ['a', 'b', 'c', 'd', 'e', 'f'].map(
      (o) => new DeliveryRepository(store().db, lease(o)),
    );
    const claims = await Promise.all(replicas.map((r) => r.due(T0, 8, [])));
    const ids = claims.flat().map((d) => d.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('two workers on one outbox send each delivery once', async () => {
    const responder: Responder = () => ({ status: 200 });
    const receiver = await startReceiver(responder);
    const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
    cleanup.push(
      () => receiver.close(),
      () => http.close(),
    );
    const trigger = await outboxWith(30, `${receiver.url}/hook`, Date.now());
    const repo = new TriggerRepository(store().db);
    const channels = channelFactory({ http, addresses: http, userAgent: 'test' });
    for (const owner of ['a', 'b']) {
      const worker = new DeliveryWorker({
        store: new DeliveryRepository(store().db, lease(owner)),
        triggers: { get: (id) => repo.get(id), disable: async () => undefined },
        channels,
        names: NO_NAMES,
        journal: { record: () => undefined },
        metrics: { observe: () => undefined },
        log: pino({ level: 'silent' }),
        options: { concurrency: 4, retry: DEFAULT_RETRY, pollMs: 20 },
      });
      worker.start();
      cleanup.push(() => worker.stop());
    }
    const outbox = new DeliveryRepository(store().db);
    await eventually(
      async () =>
        (await outbox.list({ trigger_id: trigger.id, status: 'sent' })).items.length === 30,
      20_000,
    );
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });

  it('a resend after a lost outcome that succeeds stays marked uncertain in the log', async () => {
    const receiver = await startReceiver();
    const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
    cleanup.push(
      () => receiver.close(),
      () => http.close(),
    );
    const now = Date.now();
    await outboxWith(1, `${receiver.url}/hook`, now);
    // replica-a claims it and dies before recording anything.
    await new DeliveryRepository(store().db, lease('replica-a')).due(now, 10, []);
    const repo = new TriggerRepository(store().db);
    const outbox = new DeliveryRepository(store().db, lease('replica-b'));
    const worker = new DeliveryWorker({
      store: outbox,
      triggers: { get: (id) => repo.get(id), disable: async () => undefined },
      channels: channelFactory({ http, addresses: http, userAgent: 'test' }),
      names: NO_NAMES,
      journal: { record: () => undefined },
      metrics: { observe: () => undefined },
      log: pino({ level: 'silent' }),
      options: { concurrency: 1, retry: DEFAULT_RETRY, pollMs: 20 },
      // replica-b's clock is past the claim.
      now: () => Date.now() + LEASE_MS,
    });
    worker.start();
    cleanup.push(() => worker.stop());
    const [sent] = await eventually(async () => {
      const items = (await outbox.list({ status: 'sent' })).items;
      return items.length === 1 ? items : undefined;
    }, 20_000);
    expect(sent?.attempts).toBe(2);
    expect(sent?.last_error).toMatch(/^uncertain: replica-a/);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([sent?.message_id]);
  });

  /** A worker of `owner`'s on the test's outbox. */
  async function workerOf(owner: string) {
    const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
    const repo = new TriggerRepository(store().db);
    const worker = new DeliveryWorker({
      store: new DeliveryRepository(store().db, lease(owner)),
      triggers: { get: (id) => repo.get(id), disable: async () => undefined },
      channels: channelFactory({ http, addresses: http, userAgent: 'test' }),
      names: NO_NAMES,
      journal: { record: () => undefined },
      metrics: { observe: () => undefined },
      log: pino({ level: 'silent' }),
      options: { concurrency: 2, retry: DEFAULT_RETRY, pollMs: 20 },
    });
    cleanup.push(
      () => http.close(),
      () => worker.stop(),
    );
    return worker;
  }

  it("a grouped trigger's batch goes, leader included, though the worker claimed the leader", async () => {
    const receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    await outboxWith(3, `${receiver.url}/hook`, Date.now(), 1);
    (await workerOf('replica-a')).start();
    const outbox = new DeliveryRepository(store().db);
    const sent = await eventually(async () => {
      const items = (await outbox.list({ status: 'sent' })).items;
      return items.length === 3 ? items : undefined;
    }, 20_000);
    expect(sent.map((d) => [d.attempts, d.last_error])).toEqual([
      [1, null],
      [1, null],
      [1, null],
    ]);
    expect(receiver.requests).toHaveLength(1);
  });

  it('a replica that stalled past its claim cannot record over the one that took it', async () => {
    await outboxWith(1);
    const a = new DeliveryRepository(store().db, lease('replica-a'));
    const b = new DeliveryRepository(store().db, lease('replica-b'));
    const [mine] = await a.due(T0, 10, []);
    await b.due(T0 + LEASE_MS, 10, []);
    const late = {
      status: 'sent' as const,
      attempts: 1,
      next_attempt_at: T0,
      last_status_code: 200,
      last_error: null,
      latency_ms: 5,
      sent_at: T0 + LEASE_MS + 1,
    };
    expect(await a.recordAttempt(mine!.id, late, T0 + LEASE_MS + 1)).toBe(false);
    const row = await b.get(mine!.id);
    expect([row?.status, row?.last_error?.startsWith('uncertain:')]).toEqual(['pending', true]);
    expect(await b.recordAttempt(mine!.id, late, T0 + LEASE_MS + 2)).toBe(true);
  });
});
