import { CompiledQuery, sql, type Kysely } from 'kysely';
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
import type { Database } from '../store/index.js';
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

      // 14 values a row: 4 000 rows take two statements on either database.
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

    describe("with message ids (an agent's events, redelivered)", () => {
      function watched() {
        const parts = setup();
        const published: StoredEvent[] = [];
        const hooked: StoredEvent[] = [];
        parts.bus.subscribe((e) => published.push(e));
        parts.log.withinAppend(async (_tx, events) => {
          hooked.push(...events);
        });
        return { ...parts, published, hooked };
      }

      it('stores a msg_id given twice in one batch once, and hooks and the bus see it once', async () => {
        const { log, repo, published, hooked } = watched();
        const stored = await log.recordBatch([
          ev({ message: 'first', msg_id: 'hit:web1:a', host_id: 'web1' }),
          ev({ message: 'repeat', msg_id: 'hit:web1:a', host_id: 'web1' }),
          ev({ message: 'other', msg_id: 'hit:web1:b', host_id: 'web1' }),
        ]);
        expect(stored.map((e) => [e.message, e.msg_id, e.host_id])).toEqual([
          ['first', 'hit:web1:a', 'web1'],
          ['other', 'hit:web1:b', 'web1'],
        ]);
        expect(await repo.count()).toBe(2);
        expect(published).toEqual(stored);
        expect(hooked).toEqual(stored);
        expect(await repo.get(stored[0]!.id)).toMatchObject({
          host_id: 'web1',
          msg_id: 'hit:web1:a',
        });
      });

      it('stores nothing, notifies nobody, for a batch redelivered; answers only the new rows of a mixed one', async () => {
        const { log, repo, published, hooked } = watched();
        const first = await log.recordBatch([
          ev({ message: 'a', msg_id: 'evt:web1:e:1' }),
          ev({ message: 'b', msg_id: 'evt:web1:e:2' }),
        ]);
        expect(await log.recordBatch([ev({ message: 'a', msg_id: 'evt:web1:e:1' })])).toEqual([]);
        const mixed = await log.recordBatch([
          ev({ message: 'b again', msg_id: 'evt:web1:e:2' }),
          ev({ message: 'c', msg_id: 'evt:web1:e:3' }),
          ev({ message: 'local' }),
        ]);
        expect(mixed.map((e) => [e.message, e.msg_id])).toEqual([
          ['c', 'evt:web1:e:3'],
          ['local', null],
        ]);
        // Each answered id names its own row.
        for (const e of mixed) expect((await repo.get(e.id))?.message).toBe(e.message);
        expect(await repo.count()).toBe(4);
        expect(published.map((e) => e.message)).toEqual(['a', 'b', 'c', 'local']);
        expect(hooked).toEqual(published);
        expect(first.every((e) => e.host_id === null)).toBe(true);
      });

      it('never treats events without a msg_id as repeats', async () => {
        const { log, repo, published } = watched();
        const same = ev({ message: 'same' });
        expect(await log.recordBatch([same, same, { ...same, msg_id: null }])).toHaveLength(3);
        await log.record(same);
        expect(await repo.count()).toBe(4);
        expect(published).toHaveLength(4);
      });

      it('commits what is written alongside even when every event was a repeat', async () => {
        // The cursors and state written alongside must still commit: the message is acked.
        const { log, repo } = watched();
        await log.recordBatch([ev({ msg_id: 'x' })]);
        let alongside = 0;
        await log.recordBatch([ev({ msg_id: 'x' })], async () => {
          alongside++;
        });
        expect(alongside).toBe(1);
        expect(await repo.count()).toBe(1);
      });
    });

    it("filters by host: named hosts, and null for this process's own engine", async () => {
      const { log } = setup();
      await log.record(ev({ message: 'own' }));
      await log.recordBatch([
        ev({ message: 'web1', host_id: 'web1', msg_id: '1' }),
        ev({ message: 'web2', host_id: 'web2', msg_id: '2' }),
      ]);
      const messages = async (hosts: (string | null)[]) =>
        (await log.list({ hosts }, {})).items.map((e) => e.message);
      expect(await messages(['web1'])).toEqual(['web1']);
      expect(await messages([null])).toEqual(['own']);
      expect(await messages(['web2', null])).toEqual(['web2', 'own']);
      expect(await messages(['web1', 'web2'])).toEqual(['web2', 'web1']);
      expect(await messages([])).toEqual(['web2', 'web1', 'own']);
    });

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

    it('finds substrings anywhere in a message through the text index, paging included', async () => {
      const { log } = setup();
      const messages = [
        'Connection RESET by peer',
        'disk full on /var/lib/docker',
        'say "hello" twice',
        'upstream reset: connection refused',
        'héllo wörld',
        'nothing to see',
      ];
      for (const message of messages) await log.record(ev({ message }));
      const found = async (text: string, page = {}) =>
        (await log.list({ text }, page)).items.map((e) => e.message);
      // Mid-word, across words, any case; newest first.
      expect(await found('ection RESET b')).toEqual([messages[0]]);
      expect(await found('reset')).toEqual([messages[3], messages[0]]);
      expect(await found('/LIB/dock')).toEqual([messages[1]]);
      expect(await found('"hello"')).toEqual([messages[2]]);
      expect(await found('llo wö')).toEqual([messages[4]]);
      // Holding every trigram is not enough: the text itself must be there.
      expect(await found('reset by refused')).toEqual([]);
      expect(await found('no such words')).toEqual([]);
      // Shorter than a trigram: still a substring search.
      expect(await found('ll')).toEqual([messages[4], messages[2], messages[1]]);
      // Keyset paging goes through the index the same way, both directions.
      const first = await log.list({ text: 'reset' }, { limit: 1 });
      expect(first.items.map((e) => e.message)).toEqual([messages[3]]);
      expect(await found('reset', { before: first.next })).toEqual([messages[0]]);
      const oldest = (await log.list({ text: 'reset' }, { after: 0, limit: 1 })).items[0]!;
      expect(oldest.message).toBe(messages[0]);
      expect(await found('reset', { after: oldest.id })).toEqual([messages[3]]);
      // Combined with another filter.
      await log.record(ev({ message: 'connection reset', severity: 'critical' }));
      expect((await log.list({ text: 'reset', min_severity: 'error' }, {})).items).toHaveLength(1);
    });

    it('keeps the text index in step with deletions', async () => {
      const now = Date.UTC(2026, 10, 25);
      const { log, repo } = setup(() => now);
      await log.record(ev({ message: 'old needle', created_at: now - 40 * 86_400_000 }));
      await log.record(ev({ message: 'new needle' }));
      await new EventRetention(
        repo,
        pino({ level: 'silent' }),
        { retentionDays: 30, retentionRows: 1000 },
        () => now,
      ).prune();
      expect((await log.list({ text: 'needle' }, {})).items.map((e) => e.message)).toEqual([
        'new needle',
      ]);
    });

    it('answers a text search through the trigram index, not a scan of the table', async () => {
      const { repo } = setup();
      const db = store().db;
      // The query the repository runs, compiled, then explained by the database itself.
      let compiled: CompiledQuery | undefined;
      await spiedRepository(db, (q) => (compiled = q)).list({ text: 'needle' }, {});
      const explain = (prefix: string, on: Kysely<Database> = db) =>
        on.executeQuery(CompiledQuery.raw(`${prefix} ${compiled!.sql}`, [...compiled!.parameters]));
      if (dialect === 'sqlite') {
        const plan = await explain('explain query plan');
        const details = (plan.rows as { detail: string }[]).map((r) => r.detail).join('\n');
        expect(details).toMatch(/SCAN event_log_fts VIRTUAL TABLE INDEX/);
        expect(details).toMatch(/SEARCH event_log USING INTEGER PRIMARY KEY/);
        expect(details).not.toMatch(/SCAN event_log\b(?!_fts)/);
        expect(details).not.toMatch(/TEMP B-TREE/);
      } else {
        const plan = await db.transaction().execute(async (tx) => {
          // A table this small is cheaper to scan: make the planner show what it can use.
          await sql`set local enable_seqscan = off`.execute(tx);
          await sql`set local enable_indexscan = off`.execute(tx);
          return explain('explain', tx);
        });
        const text = (plan.rows as Record<string, string>[])
          .map((r) => Object.values(r)[0])
          .join('\n');
        expect(text).toMatch(/event_log_message_trgm/);
      }
      // What the spy saw is what runs.
      expect((await repo.list({ text: 'needle' }, {})).items).toEqual([]);
    });

    it('finds the row-limit boundary through the primary key, across id gaps', async () => {
      const { log, repo } = setup();
      const stored = await log.recordBatch(
        Array.from({ length: 20 }, (_, i) => ev({ message: `m${i}` })),
      );
      const ids = stored.map((e) => e.id);
      // Gaps: every third event gone.
      await store()
        .db.deleteFrom('event_log')
        .where(
          'id',
          'in',
          ids.filter((_, i) => i % 3 === 0),
        )
        .execute();
      const left = ids.filter((_, i) => i % 3 !== 0);
      expect(left).toHaveLength(13);
      for (const step of [1, 2, 5, 50_000]) {
        // Keep the newest 5: the boundary is the 6th newest.
        expect(await repo.rowLimitBoundary(5, step)).toBe(left.at(-6));
        expect(await repo.rowLimitBoundary(12, step)).toBe(left[0]);
        expect(await repo.rowLimitBoundary(13, step)).toBeNull();
      }
      expect(await repo.deleteUpTo(left.at(-6)!, 100)).toBe(8);
      expect((await repo.list({}, { limit: 500 })).items.map((e) => e.id)).toEqual(
        left.slice(-5).reverse(),
      );
      expect(await repo.rowLimitBoundary(5)).toBeNull();
    });

    it('hands freed space back after pruning, until nothing is left or nothing moves', async () => {
      const now = Date.UTC(2026, 10, 25);
      const { log, repo } = setup(() => now);
      for (let i = 0; i < 5; i++) await log.record(ev({ created_at: now - 40 * 86_400_000 }));
      const calls: number[] = [];
      let free = 700;
      const retention = new EventRetention(
        repo,
        pino({ level: 'silent' }),
        {
          retentionDays: 30,
          retentionRows: 1000,
          pauseMs: 0,
          reclaimSpace: async (pages) => {
            calls.push(pages);
            free = Math.max(0, free - pages);
            return free;
          },
        },
        () => now,
      );
      expect(await retention.prune()).toEqual({ by_age: 5, by_rows: 0 });
      expect(calls).toEqual([256, 256, 256]);
      // A file that cannot shrink (not in incremental mode) does not loop.
      calls.length = 0;
      const stuck = new EventRetention(repo, pino({ level: 'silent' }), {
        retentionDays: 30,
        retentionRows: 1000,
        pauseMs: 0,
        reclaimSpace: async (pages) => (calls.push(pages), 10),
      });
      await stuck.prune();
      expect(calls).toEqual([256, 256]);
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

/** A repository whose queries are handed to `seen` compiled, as the database gets them. */
function spiedRepository(db: Kysely<Database>, seen: (q: CompiledQuery) => void): EventRepository {
  return new EventRepository(
    db.withPlugin({
      transformQuery: (args) => {
        seen(db.getExecutor().compileQuery(args.node, args.queryId));
        return args.node;
      },
      transformResult: async (args) => args.result,
    }),
  );
}
