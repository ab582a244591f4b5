import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { EventBus } from './bus.js';
import type { NewEvent, StoredEvent } from './model.js';
import { EventRepository } from './repository.js';
import { EventRetention } from './retention.js';
import { EventLog } from './service.js';

/** Counts the INSERT statements run through the database it is plugged into. */
class InsertCounter implements KyselyPlugin {
  inserts = 0;
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'InsertQueryNode') this.inserts++;
    return node;
  }
  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}

for (const dialect of DIALECTS) {
  describe(`event log (${dialect})`, () => {
    const store = useTestStore(dialect);

    function setup(now = () => Date.UTC(2026, 10, 25)) {
      const bus = new EventBus();
      const repo = new EventRepository(store().db);
      const log = new EventLog(store().db, repo, bus, now);
      return { bus, repo, log };
    }

    const ev = (over: Partial<NewEvent> = {}): NewEvent => ({
      source: 'logscan',
      severity: 'warn',
      message: 'something happened',
      ...over,
    });

    it('stores, then publishes with the stored id and truncated message', async () => {
      const { bus, log, repo } = setup();
      const published: StoredEvent[] = [];
      bus.subscribe((e) => published.push(e));
      const stored = await log.record(ev({ message: 'é'.repeat(400), metadata: { a: 1 } }));
      expect(published).toEqual([stored]);
      expect(await repo.get(stored.id)).toEqual(stored);
      expect(Buffer.byteLength(stored.message)).toBeLessThanOrEqual(500);
      expect(stored.metadata).toEqual({ a: 1 });
    });

    it('stores and publishes metadata cut to 8 KiB and marked, whatever a producer hands in', async () => {
      const { bus, log, repo } = setup();
      const published: StoredEvent[] = [];
      bus.subscribe((e) => published.push(e));
      const huge = 'x'.repeat(1024 * 1024);
      const stored = await log.record(ev({ metadata: { rule_id: 3, captures: { rest: huge } } }));
      expect(Buffer.byteLength(JSON.stringify(stored.metadata))).toBeLessThanOrEqual(8192);
      expect(stored.metadata).toMatchObject({ metadata_truncated: true, rule_id: 3 });
      expect(await repo.get(stored.id)).toEqual(stored);
      expect(published).toEqual([stored]);
    });

    it('rejects an unknown severity naming the field, storing nothing', async () => {
      const { log, repo } = setup();
      await expect(log.record(ev({ severity: 'loud' as never }))).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        field: 'severity',
      });
      expect(await repo.count()).toBe(0);
    });

    it('records a batch atomically with what is written alongside', async () => {
      const { log, repo } = setup();
      await expect(
        log.recordBatch([ev(), ev()], async () => {
          throw new Error('cursor write failed');
        }),
      ).rejects.toThrow('cursor write failed');
      expect(await repo.count()).toBe(0);
      const stored = await log.recordBatch([ev({ message: 'a' }), ev({ message: 'b' })]);
      expect(stored.map((e) => e.message)).toEqual(['a', 'b']);
      expect(stored[1]!.id).toBeGreaterThan(stored[0]!.id);
    });

    it('inserts a batch’s events in one statement, more only past what one may bind, ids in order', async () => {
      const counter = new InsertCounter();
      const db = store().db.withPlugin(counter);
      const log = new EventLog(db, new EventRepository(db), new EventBus());
      const small = await log.recordBatch([ev({ message: 'a' }), ev({ message: 'b' })]);
      expect(counter.inserts).toBe(1);
      expect(small.map((e) => e.message)).toEqual(['a', 'b']);

      // 9 values a row: 4 000 rows take two statements on either database.
      counter.inserts = 0;
      const big = Array.from({ length: 4_000 }, (_, i) =>
        ev({ message: `m${i}`, metadata: { i } }),
      );
      const stored = await log.recordBatch(big);
      expect(counter.inserts).toBe(2);
      expect(stored.map((e) => e.message)).toEqual(big.map((e) => e.message));
      for (let i = 1; i < stored.length; i++)
        expect(stored[i]!.id).toBeGreaterThan(stored[i - 1]!.id);
      // Each id names the row it was returned for.
      const rows = await store()
        .db.selectFrom('event_log')
        .select(['id', 'message', 'metadata'])
        .where('id', '>=', stored[0]!.id)
        .orderBy('id')
        .execute();
      expect(rows.map((r) => [Number(r.id), r.message, JSON.parse(r.metadata)])).toEqual(
        stored.map((e) => [e.id, e.message, e.metadata]),
      );
    }, 120_000);

    it('filters by source, severity ≥, workload, container, rule, time and text', async () => {
      const { log } = setup();
      const base = Date.UTC(2026, 0, 1);
      await log.record(
        ev({ source: 'docker', severity: 'error', created_at: base, message: 'crash 100%' }),
      );
      await log.record(ev({ severity: 'info', workload_id: 'w', created_at: base + 1000 }));
      await log.record(
        ev({
          severity: 'critical',
          container_id: 'c',
          rule_id: 7,
          created_at: base + 2000,
          message: 'OOM_kill',
        }),
      );
      const messages = async (filter: Parameters<EventLog['list']>[0]) =>
        (await log.list(filter, {})).items.map((e) => e.created_at - base);
      expect(await messages({ sources: ['docker'] })).toEqual([0]);
      expect(await messages({ min_severity: 'error' })).toEqual([2000, 0]);
      expect(await messages({ workload_id: 'w' })).toEqual([1000]);
      expect(await messages({ container_id: 'c', rule_id: 7 })).toEqual([2000]);
      expect(await messages({ since: base + 1000, until: base + 2000 })).toEqual([1000]);
      expect(await messages({ text: '100%' })).toEqual([0]);
      expect(await messages({ text: 'oom_' })).toEqual([2000]);
      // LIKE wildcards are literal.
      expect(await messages({ text: '_' })).toEqual([2000]);
      expect(await messages({ text: 'x%x' })).toEqual([]);
    });

    it('pages by keyset without gaps or repeats while events keep arriving', async () => {
      const { log } = setup();
      for (let i = 0; i < 25; i++) await log.record(ev({ message: `m${i}` }));
      const seen: string[] = [];
      let late = 0;
      let before: number | undefined;
      for (;;) {
        const page = await log.list({}, { before, limit: 7 });
        seen.push(...page.items.map((e) => e.message));
        // Newer events land between page reads.
        await log.record(ev({ message: 'late' }));
        late++;
        if (page.next === null) break;
        before = page.next;
      }
      const original = Array.from({ length: 25 }, (_, i) => `m${24 - i}`);
      expect(seen.filter((m) => m !== 'late')).toEqual(original);

      // Forward from an id: ascending, and the new ones included.
      const first = await log.list({}, { after: 0, limit: 500 });
      const ids = first.items.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(first.items).toHaveLength(25 + late);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('prunes by age and by row count, in batches', async () => {
      const now = Date.UTC(2026, 10, 25);
      const { log, repo } = setup(() => now);
      for (let i = 0; i < 10; i++) await log.record(ev({ created_at: now - 40 * 86_400_000 + i }));
      for (let i = 0; i < 30; i++) await log.record(ev({ message: `new ${i}` }));
      const retention = new EventRetention(
        repo,
        pino({ level: 'silent' }),
        { retentionDays: 30, retentionRows: 12, batchSize: 4 },
        () => now,
      );
      expect(await retention.prune()).toEqual({ by_age: 10, by_rows: 18 });
      const left = (await repo.list({}, { limit: 500 })).items.map((e) => e.message);
      expect(left).toEqual(Array.from({ length: 12 }, (_, i) => `new ${29 - i}`));
      expect(await retention.prune()).toEqual({ by_age: 0, by_rows: 0 });
    });
  });
}
