import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { useTestStore } from '../../../test/support/databases.js';
import { EventBus } from '../../events/bus.js';
import { EventRepository } from '../../events/repository.js';
import { EventRetention } from '../../events/retention.js';
import { EventLog } from '../../events/service.js';
import { DeliveryRepository } from './delivery-repository.js';
import { TriggerDispatcher } from './dispatcher.js';
import { EMPTY_FILTER, type TriggerFields } from '../model.js';
import { TriggerRepository } from '../repository.js';

const log = pino({ level: 'silent' });

const fields = (over: Partial<TriggerFields> = {}): TriggerFields => ({
  name: 'hook',
  enabled: true,
  filter: EMPTY_FILTER,
  channel: { type: 'slack', url: 'https://hooks.example.net/x', text_template: null },
  secret: 'whsec_x',
  disabled_reason: null,
  group_wait_seconds: 0,
  group_interval_seconds: 0,
  notify_on: ['event'],
  repeat_interval_seconds: 0,
  context_wait_seconds: 3,
  ...over,
});

describe('trigger dispatcher', () => {
  const store = useTestStore('sqlite');

  it('writes the deliveries in the event’s own transaction: no event without its deliveries', async () => {
    const db = store().db;
    const repo = new TriggerRepository(db);
    await repo.insert(fields(), 1);
    const events = new EventRepository(db);
    const eventLog = new EventLog(db, events, new EventBus());
    let failWrites = true;
    const outbox = new DeliveryRepository(db);
    const dispatcher = new TriggerDispatcher({
      triggers: repo,
      outbox: {
        enqueue: async (rows, now, tx) => {
          if (failWrites) throw new Error('disk full');
          return outbox.enqueue(rows, now, tx);
        },
        keepEvents: (ids, tx) => outbox.keepEvents(ids, tx),
        release: (ids, now, tx) => outbox.release(ids, now, tx),
      },
      worker: { wake: () => undefined },
      log,
    });
    await dispatcher.start(eventLog);
    await expect(
      eventLog.record({ source: 'system', severity: 'info', message: 'lost?' }),
    ).rejects.toThrow('disk full');
    // The event went with its failed outbox write: the producer retries both.
    expect(await events.count()).toBe(0);
    failWrites = false;
    const stored = await eventLog.record({ source: 'system', severity: 'info', message: 'x' });
    // Committed together: the row is there the moment record() returns.
    const rows = (await outbox.list({})).items;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_id: stored.id, channel: 'slack' });
    expect(rows[0]!.message_id).toMatch(/^msg_[0-9a-f]{32}$/);
  });

  it('writes one delivery per matching enabled trigger, wakes the worker, and never records an event', async () => {
    const db = store().db;
    const repo = new TriggerRepository(db);
    const outbox = new DeliveryRepository(db);
    const events = new EventRepository(db);
    const bus = new EventBus();
    const eventLog = new EventLog(db, events, bus);
    const errors = await repo.insert(
      fields({ name: 'errors', filter: { ...EMPTY_FILTER, severities: ['error', 'critical'] } }),
      1,
    );
    const disk = await repo.insert(
      fields({ name: 'disk', filter: { ...EMPTY_FILTER, message_regex: 'disk (full|gone)' } }),
      1,
    );
    await repo.insert(fields({ name: 'off', enabled: false }), 1);
    let wakes = 0;
    const dispatcher = new TriggerDispatcher({
      triggers: repo,
      outbox,
      worker: { wake: () => wakes++ },
      log,
    });
    await dispatcher.start(eventLog);

    const a = await eventLog.record({ source: 'logscan', severity: 'error', message: 'disk full' });
    const b = await eventLog.record({ source: 'logscan', severity: 'warn', message: 'disk gone' });
    await eventLog.record({ source: 'system', severity: 'info', message: 'hello' });
    await dispatcher.stop();

    const rows = (await outbox.list({})).items.reverse();
    expect(rows.map((d) => [d.trigger_id, d.event_id])).toEqual([
      [errors.id, a.id],
      [disk.id, a.id],
      [disk.id, b.id],
    ]);
    expect(rows.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    // The delivery refers to its event row; it is read back with it when due.
    expect((await outbox.due(Date.now(), 1, []))[0]!.event).toEqual(a);
    expect(wakes).toBe(2);
    // Only the three events recorded above: delivering never records anything.
    expect(await events.count()).toBe(3);
  });

  it('writes the deliveries of a big batch whatever one statement may bind, with its events', async () => {
    const db = store().db;
    const repo = new TriggerRepository(db);
    for (const name of ['a', 'b', 'c']) await repo.insert(fields({ name }), 1);
    const events = new EventRepository(db);
    const eventLog = new EventLog(db, events, new EventBus());
    const dispatcher = new TriggerDispatcher({
      triggers: repo,
      outbox: new DeliveryRepository(db),
      worker: { wake: () => undefined },
      log,
    });
    await dispatcher.start(eventLog);
    // 3 300 deliveries of 11 values each: more than SQLite binds in one statement.
    const batch = Array.from({ length: 1_100 }, (_, i) => ({
      source: 'logscan' as const,
      severity: 'error' as const,
      message: `hit ${i}`,
    }));
    const stored = await eventLog.recordBatch(batch);
    const { n } = await db
      .selectFrom('trigger_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(3 * stored.length);
  });

  it('an event pruned while deliveries still need it leaves them a copy; others stay copy-free', async () => {
    const db = store().db;
    const repo = new TriggerRepository(db);
    await repo.insert(fields({ name: 'a' }), 1);
    await repo.insert(fields({ name: 'b' }), 1);
    const events = new EventRepository(db);
    let now = Date.UTC(2026, 0, 1);
    const eventLog = new EventLog(db, events, new EventBus(), () => now);
    const outbox = new DeliveryRepository(db);
    const dispatcher = new TriggerDispatcher({
      triggers: repo,
      outbox,
      worker: { wake: () => undefined },
      log,
    });
    await dispatcher.start(eventLog);
    const old = await eventLog.record({ source: 'system', severity: 'error', message: 'old' });
    now += 40 * 86_400_000;
    const fresh = await eventLog.record({ source: 'system', severity: 'error', message: 'new' });
    const retention = new EventRetention(
      events,
      log,
      { retentionDays: 30, retentionRows: 1_000, beforeDelete: eventLog.beforePrune },
      () => now,
    );
    expect(await retention.prune()).toMatchObject({ by_age: 1 });
    expect(await events.get(old.id)).toBeNull();
    const due = await outbox.due(Number.MAX_SAFE_INTEGER, 10, []);
    expect(due.map((d) => d.event)).toEqual([old, old, fresh, fresh]);
    const copies = await db
      .selectFrom('trigger_deliveries')
      .select(['event_id', 'event'])
      .execute();
    for (const row of copies) expect(row.event === 'null').toBe(row.event_id === fresh.id);
  });

  it('matches with the triggers as they are after a reload, and not after stop', async () => {
    const db = store().db;
    const repo = new TriggerRepository(db);
    const outbox = new DeliveryRepository(db);
    const bus = new EventBus();
    const eventLog = new EventLog(db, new EventRepository(db), bus);
    const dispatcher = new TriggerDispatcher({
      triggers: repo,
      outbox,
      worker: { wake: () => undefined },
      log,
    });
    await dispatcher.start(eventLog);
    await eventLog.record({ source: 'logscan', severity: 'error', message: 'before' });
    const t = await repo.insert(fields({ filter: { ...EMPTY_FILTER, sources: ['docker'] } }), 1);
    await dispatcher.reload();
    await eventLog.record({ source: 'logscan', severity: 'error', message: 'not docker' });
    const hit = await eventLog.record({ source: 'docker', severity: 'error', message: 'exited' });
    await dispatcher.stop();
    await eventLog.record({ source: 'docker', severity: 'error', message: 'after stop' });
    expect((await outbox.list({})).items.map((d) => [d.trigger_id, d.event_id])).toEqual([
      [t.id, hit.id],
    ]);
  });

  it('a hit still collecting its lines after is due after the trigger’s wait, and due at once when they are stored', async () => {
    const db = store().db;
    const repo = new TriggerRepository(db);
    const waiting = await repo.insert(fields({ name: 'waits', context_wait_seconds: 20 }), 1);
    const atOnce = await repo.insert(fields({ name: 'at once', context_wait_seconds: 0 }), 1);
    const events = new EventRepository(db);
    let now = 1_000_000;
    const eventLog = new EventLog(db, events, new EventBus(), () => now);
    const outbox = new DeliveryRepository(db);
    let wakes = 0;
    const dispatcher = new TriggerDispatcher({
      triggers: repo,
      outbox,
      worker: { wake: () => wakes++ },
      log,
      now: () => now,
    });
    await dispatcher.start(eventLog);

    const hit = await eventLog.record({
      source: 'logscan',
      severity: 'error',
      message: 'boom',
      context: { before: ['a'], after: [] },
      context_pending: true,
    });
    const done = await eventLog.record({
      source: 'logscan',
      severity: 'error',
      message: 'whole',
      context: { before: ['a'], after: ['b'] },
    });
    const due = async () =>
      Object.fromEntries(
        (await outbox.list({})).items.map((d) => [
          `${d.trigger_id}:${d.event_id}`,
          d.next_attempt_at,
        ]),
      );
    // The due time is the state: a restart sends it then, with the lines it has.
    expect(await due()).toEqual({
      [`${waiting.id}:${hit.id}`]: now + 20_000,
      [`${atOnce.id}:${hit.id}`]: now,
      [`${waiting.id}:${done.id}`]: now,
      [`${atOnce.id}:${done.id}`]: now,
    });
    // Stored with its context, never on the wire: the flag is the recording's only.
    expect((await events.get(hit.id))!.context_pending).toBeUndefined();

    now += 1_500;
    wakes = 0;
    await eventLog.recordBatch([], undefined, [
      { event_id: hit.id, context: { before: ['a'], after: ['\tat x', 'Caused by: y'] } },
    ]);
    expect(await due()).toMatchObject({ [`${waiting.id}:${hit.id}`]: now });
    expect(wakes).toBe(1);
    const sent = (await outbox.due(now, 10, [], waiting.id)).find((d) => d.event_id === hit.id);
    expect(sent!.event!.context).toEqual({
      before: ['a'],
      after: ['\tat x', 'Caused by: y'],
    });
    await dispatcher.stop();
  });
});
