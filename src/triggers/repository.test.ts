import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { pino } from 'pino';
import { DeliveryRepository } from './outbox/delivery-repository.js';
import { DeliveryRetention } from './outbox/retention.js';
import { EMPTY_FILTER, type TriggerFields } from './model.js';
import { TriggerRepository } from './repository.js';
import { storedEvent } from '../../test/support/fixtures.js';
import { EventRepository } from '../events/repository.js';

const fields = (over: Partial<TriggerFields> = {}): TriggerFields => ({
  name: 'hook',
  enabled: true,
  filter: { ...EMPTY_FILTER, severities: ['error'], message_regex: 'x+' },
  channel: {
    type: 'webhook',
    url: 'https://example.net/hook',
    headers: { authorization: 'Bearer t' },
    body_template: null,
  },
  secret: 'whsec_AAAA',
  disabled_reason: null,
  group_wait_seconds: 0,
  group_interval_seconds: 0,
  notify_on: ['event'],
  repeat_interval_seconds: 0,
  context_wait_seconds: 3,
  ...over,
});

const event = (id: number) =>
  storedEvent({
    id,
    created_at: 1_000 + id,
    metadata: { captures: { n: String(id) } },
    container_id: 'c1',
    rule_id: 3,
  });

/** `event(n)` as the event log appends it: without an id. */
const eventRow = (n: number) => {
  const { id: _, ...row } = event(n);
  return row;
};

for (const dialect of DIALECTS) {
  describe(`trigger repositories (${dialect})`, () => {
    const store = useTestStore(dialect);

    it('stores a trigger and reads it back as it was, filter and channel included', async () => {
      const repo = new TriggerRepository(store().db);
      const created = await repo.insert(fields(), 5);
      expect(await repo.get(created.id)).toEqual({
        ...fields(),
        id: created.id,
        created_at: 5,
        updated_at: 5,
      });
      const updated = await repo.update(created.id, { enabled: false, disabled_reason: 'gone' }, 9);
      expect(updated).toMatchObject({
        enabled: false,
        disabled_reason: 'gone',
        group_wait_seconds: 0,
        group_interval_seconds: 0,
        updated_at: 9,
        name: 'hook',
      });
      expect((await repo.list({ enabled: true })).length).toBe(0);
      expect(await repo.count()).toBe(1);
    });

    it('outbox: one row per trigger and event, due in order, attempts recorded on pending rows only', async () => {
      const triggers = new TriggerRepository(store().db);
      const outbox = new DeliveryRepository(store().db);
      const t = await triggers.insert(fields(), 1);
      const events = await new EventRepository(store().db).append([1, 2, 3].map(eventRow));
      const rows = events.map((e, i) => ({
        trigger_id: t.id,
        event: e,
        channel: 'webhook' as const,
        message_id: `msg_${i + 1}`,
      }));
      expect(await outbox.enqueue(rows, 100)).toBe(3);
      // The same (trigger, event) again is skipped.
      expect(await outbox.enqueue(rows.slice(0, 2), 200)).toBe(0);
      const due = await outbox.due(100, 10, []);
      expect(due.map((d) => d.message_id)).toEqual(['msg_1', 'msg_2', 'msg_3']);
      expect(due[0]).toMatchObject({ status: 'pending', attempts: 0, event: events[0] });
      expect((await outbox.due(100, 10, [due[0]!.id])).length).toBe(2);
      expect(await outbox.due(99, 10, [])).toEqual([]);

      const base = { last_status_code: 500, last_error: 'HTTP 500', latency_ms: 3, sent_at: null };
      await outbox.recordAttempt(
        due[0]!.id,
        { ...base, status: 'pending', attempts: 1, next_attempt_at: 500 },
        101,
      );
      await outbox.recordAttempt(
        due[1]!.id,
        { ...base, status: 'dead', attempts: 6, next_attempt_at: 100 },
        101,
      );
      expect(await outbox.nextDueAt()).toBe(100);
      expect(await outbox.nextDueAt([due[2]!.id])).toBe(500);
      // A finished row takes no more attempts.
      expect(
        await outbox.recordAttempt(
          due[1]!.id,
          { ...base, status: 'sent', attempts: 7, next_attempt_at: 1 },
          102,
        ),
      ).toBe(false);

      const retried = await outbox.retry(due[1]!.id, 300);
      expect(retried).toMatchObject({
        status: 'pending',
        attempts: 0,
        next_attempt_at: 300,
        message_id: 'msg_2',
      });
      expect(await outbox.retry(due[2]!.id, 300)).toBeNull();
    });

    it('outbox: a delivery refers to its event row instead of copying it; one pruned reads as null', async () => {
      const triggers = new TriggerRepository(store().db);
      const outbox = new DeliveryRepository(store().db);
      const ts = [await triggers.insert(fields({ name: 'a' }), 1)];
      for (const name of ['b', 'c', 'd', 'e', 'f', 'g', 'h'])
        ts.push(await triggers.insert(fields({ name }), 1));
      const events = new EventRepository(store().db);
      const [big] = await events.append([
        { ...eventRow(0), metadata: { captures: { rest: 'x'.repeat(8000) } } },
      ]);
      const [small] = await events.append([eventRow(0)]);
      await outbox.enqueue(
        ts.map((t) => ({
          trigger_id: t.id,
          event: big!,
          channel: 'webhook',
          message_id: `b${t.id}`,
        })),
        5,
      );
      await outbox.enqueue(
        [{ trigger_id: ts[0]!.id, event: small!, channel: 'webhook', message_id: 'small' }],
        5,
      );
      // Eight triggers, one copy of the event: each row holds only its own columns.
      const stored = await store().db.selectFrom('trigger_deliveries').select(['event']).execute();
      expect(stored.map((r) => r.event)).toEqual(Array(9).fill('null'));
      const due = await outbox.due(5, 20, []);
      expect(due.filter((d) => d.event_id === big!.id).map((d) => d.event)).toEqual(
        Array(8).fill(big),
      );
      await store().db.deleteFrom('event_log').where('id', '=', small!.id).execute();
      expect((await outbox.due(5, 20, [], ts[0]!.id)).map((d) => [d.message_id, d.event])).toEqual([
        [`b${ts[0]!.id}`, big],
        ['small', null],
      ]);
    });

    it('outbox: which triggers have deliveries due, and each one’s due deliveries', async () => {
      const triggers = new TriggerRepository(store().db);
      const outbox = new DeliveryRepository(store().db);
      const a = await triggers.insert(fields({ name: 'a' }), 1);
      const b = await triggers.insert(fields({ name: 'b' }), 1);
      const events = await new EventRepository(store().db).append([1, 2, 3].map(eventRow));
      await outbox.enqueue(
        events.map((e, i) => ({
          trigger_id: i === 2 ? b.id : a.id,
          event: e,
          channel: 'webhook' as const,
          message_id: `m${i}`,
        })),
        10,
      );
      await outbox.enqueue(
        [{ trigger_id: b.id, event: events[0]!, channel: 'webhook', message_id: 'later' }],
        50,
      );
      const first = (await outbox.due(10, 1, [], a.id))[0]!;
      expect(first.message_id).toBe('m0');
      expect(
        (await outbox.dueTriggers(10, [first.id])).sort((x, y) => x.trigger_id - y.trigger_id),
      ).toEqual([
        { trigger_id: a.id, due_at: 10 },
        { trigger_id: b.id, due_at: 10 },
      ]);
      expect(await outbox.nextDueAt([], [a.id])).toBe(10);
      const bDue = await outbox.due(10, 5, [], b.id);
      expect(await outbox.nextDueAt([bDue[0]!.id], [a.id])).toBe(50);
    });

    it('lists newest first by keyset with a status filter, and deleting a trigger takes its deliveries', async () => {
      const triggers = new TriggerRepository(store().db);
      const outbox = new DeliveryRepository(store().db);
      const a = await triggers.insert(fields({ name: 'a' }), 1);
      const b = await triggers.insert(fields({ name: 'b' }), 1);
      for (let id = 1; id <= 7; id++)
        await outbox.enqueue(
          [
            {
              trigger_id: id % 2 ? a.id : b.id,
              event: event(id),
              channel: 'webhook',
              message_id: `m${id}`,
            },
          ],
          id,
        );
      const seen: string[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await outbox.list({}, { before, limit: 3 });
        seen.push(...page.items.map((d) => d.message_id));
        if (page.next === null) break;
        before = page.next;
      }
      expect(seen).toEqual(['m7', 'm6', 'm5', 'm4', 'm3', 'm2', 'm1']);
      expect((await outbox.list({ trigger_id: b.id })).items.map((d) => d.message_id)).toEqual([
        'm6',
        'm4',
        'm2',
      ]);
      expect((await outbox.list({ status: 'sent' })).items).toEqual([]);
      await triggers.delete(a.id);
      expect((await outbox.list({})).items.map((d) => d.message_id)).toEqual(['m6', 'm4', 'm2']);
    });

    it('prunes finished deliveries older than the retention, in batches, never pending ones', async () => {
      const triggers = new TriggerRepository(store().db);
      const outbox = new DeliveryRepository(store().db);
      const t = await triggers.insert(fields(), 1);
      const day = 86_400_000;
      const now = 100 * day;
      for (let id = 1; id <= 7; id++)
        await outbox.enqueue(
          [{ trigger_id: t.id, event: event(id), channel: 'webhook', message_id: `m${id}` }],
          0,
        );
      const rows = (await outbox.list({})).items.reverse();
      // m1–m5 finished long ago, m6 finished yesterday, m7 still pending.
      for (const [i, d] of rows.slice(0, 6).entries())
        await outbox.recordAttempt(
          d.id,
          {
            status: i % 2 ? 'sent' : 'dead',
            attempts: 1,
            next_attempt_at: 0,
            last_status_code: 200,
            last_error: null,
            latency_ms: 1,
            sent_at: null,
          },
          i < 5 ? 10 * day : now - day,
        );
      const retention = new DeliveryRetention(
        outbox,
        pino({ level: 'silent' }),
        { retentionDays: 30, batchSize: 2 },
        () => now,
      );
      expect(await retention.prune()).toBe(5);
      expect((await outbox.list({})).items.map((d) => d.message_id)).toEqual(['m7', 'm6']);
    });
  });
}
