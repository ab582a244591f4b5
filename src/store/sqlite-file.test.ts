import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './database.js';
import { migrateToLatest, migrateUpTo } from './migrations.js';
import type { Database } from './schema.js';
import { LockAwareSqliteDialect, StatementCache } from './sqlite-driver.js';
import { trigramMatch } from './text-search.js';

const eventRow = (message: string) => ({
  created_at: Date.now(),
  source: 'system',
  severity: 'info',
  severity_rank: 0,
  message,
  metadata: '{}',
  workload_id: null,
  container_id: null,
  rule_id: null,
});

describe('SQLite file', () => {
  let dir: string;
  let file: string;
  const stores: Store[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lw-sqlite-'));
    file = join(dir, 'logwarden.db');
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = () => {
    const store = openStore({ url: `sqlite:${file}`, dataDir: dir });
    stores.push(store);
    return store;
  };
  // A trigram of its own per item (aaa, bbb, …), so the index alone tells them apart;
  // the filler has no lower-case letters.
  const own = (i: number) => String.fromCharCode(97 + i).repeat(3);
  const filler = (n: number) =>
    Array.from(
      { length: 100 },
      (_, j) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[(n * 7 + j * 13) % 36],
    ).join('');
  /** One commit of item `c` and 299 filler rows: ~9 pages of text index, a segment. */
  const commitItem = async (store: Store, c: number) => {
    const rows = [eventRow(`item ${own(c)} kiwi`)];
    for (let k = 1; k < 300; k++) rows.push(eventRow(filler(c * 300 + k)));
    await store.db.insertInto('event_log').values(rows).execute();
  };
  const pragma = async (store: Store, name: string) =>
    Number(Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0]);

  it("puts SQLite's temporary files beside the database unless SQLITE_TMPDIR says where", () => {
    const before = process.env.SQLITE_TMPDIR;
    try {
      delete process.env.SQLITE_TMPDIR;
      open();
      // The root may be read-only (the image runs with --read-only): /tmp is not ours.
      expect(process.env.SQLITE_TMPDIR).toBe(dir);
      process.env.SQLITE_TMPDIR = '/elsewhere';
      open();
      expect(process.env.SQLITE_TMPDIR).toBe('/elsewhere');
    } finally {
      if (before === undefined) delete process.env.SQLITE_TMPDIR;
      else process.env.SQLITE_TMPDIR = before;
    }
  });

  it('shrinks after a prune: incremental auto-vacuum, pages handed back in steps', async () => {
    const store = open();
    await migrateToLatest(store);
    expect(await pragma(store, 'auto_vacuum')).toBe(2);
    const rows = Array.from({ length: 2000 }, (_, i) => eventRow(`${i} ${'y'.repeat(2000)}`));
    for (let i = 0; i < rows.length; i += 500)
      await store.db
        .insertInto('event_log')
        .values(rows.slice(i, i + 500))
        .execute();
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
    const full = statSync(file).size;
    await store.db.deleteFrom('event_log').execute();
    const freed = await pragma(store, 'freelist_count');
    expect(freed).toBeGreaterThan(500);
    // One step hands back at most what it is asked for.
    expect(await store.reclaimSpace(100)).toBe(freed - 100);
    let left = freed - 100;
    while (left > 0) left = await store.reclaimSpace(256);
    await sql`pragma wal_checkpoint(truncate)`.execute(store.db);
    expect(statSync(file).size).toBeLessThan(full / 4);
  });

  it('converts an existing file to incremental auto-vacuum when migrating, keeping its rows', async () => {
    const old = new SQLite(file);
    old.exec('create table keep_me (x text)');
    old.exec("insert into keep_me values ('still here')");
    expect(old.pragma('auto_vacuum', { simple: true })).toBe(0);
    old.close();
    const store = open();
    await migrateToLatest(store);
    expect(await pragma(store, 'auto_vacuum')).toBe(2);
    const { rows } = await sql<{ x: string }>`select x from keep_me`.execute(store.db);
    expect(rows).toEqual([{ x: 'still here' }]);
  });

  it('indexes the messages that were there before the migration', async () => {
    const old = openStore({ url: `sqlite:${file}`, dataDir: dir });
    // The version before the index: the migration must fill it from the table.
    await migrateUpTo(old, '0016_store_probe');
    await old.db.insertInto('event_log').values(eventRow('written before the index')).execute();
    await old.destroy();
    const store = open();
    await migrateToLatest(store);
    const { rows } = await sql<{ rowid: number }>`select rowid from event_log_fts
      where event_log_fts match '"bef" AND "ind"'`.execute(store.db);
    expect(rows).toHaveLength(1);
  });

  it('leaves merging the text index to bounded steps: writes and deletes never merge it', async () => {
    const store = open();
    await migrateToLatest(store);
    const count = async (query: ReturnType<typeof sql<{ n: number }>>) =>
      Number((await query.execute(store.db)).rows[0]!.n);
    const indexPages = () =>
      count(sql<{ n: number }>`select count(*) as n from event_log_fts_data`);
    const found = (text: string) =>
      count(sql<{ n: number }>`select count(*) as n from event_log_fts
        where event_log_fts match ${trigramMatch(text)}`);
    const mergeAll = async () => {
      let steps = 0;
      while (await store.mergeTextIndex(8)) if (++steps > 1000) throw new Error('never done');
      return steps;
    };
    // Commits of ~9 index pages each, as a busy tail's: FTS5 would merge inline after the
    // 64th page written. Below its crisis threshold (16 segments).
    const pagesAfterEach: number[] = [];
    for (let c = 0; c < 12; c++) {
      await commitItem(store, c);
      pagesAfterEach.push(await indexPages());
    }
    // A write that merged would have left fewer pages than the one before it.
    expect(pagesAfterEach).toEqual([...pagesAfterEach].sort((a, b) => a - b));
    const unmerged = pagesAfterEach.at(-1)!;

    expect(await mergeAll()).toBeGreaterThan(0);
    expect(await indexPages()).toBeLessThan(unmerged);
    expect(await store.mergeTextIndex(8)).toBe(false);
    for (let i = 0; i < 12; i++) expect(await found(own(i))).toBe(1);

    // Retention's deletes leave tombstones; merging purges them, in steps again.
    await store.db
      .deleteFrom('event_log')
      .where((eb) =>
        eb.or([
          eb(
            'message',
            'in',
            [0, 1, 2, 3, 4, 5].map((i) => `item ${own(i)} kiwi`),
          ),
          eb(sql`id % 2`, '=', 0),
        ]),
      )
      .execute();
    const withTombstones = await indexPages();
    expect(await mergeAll()).toBeGreaterThan(0);
    expect(await indexPages()).toBeLessThan(withTombstones);
    expect(await found(own(0))).toBe(0);
    expect(await found(own(11))).toBe(1);
    expect(await found('kiwi')).toBe(6);
  });

  it('merges the text index on a thread of its own: a foreign lock makes it wait, not the event loop', async () => {
    const store = open();
    await migrateToLatest(store);
    for (let c = 0; c < 5; c++) await commitItem(store, c);
    const foreign = new SQLite(file);
    try {
      foreign.exec('begin immediate');
      let settled = false;
      const merged = store.mergeTextIndex(8).finally(() => (settled = true));
      // Timers fire and reads are answered while the merge waits for the lock.
      await new Promise((r) => setTimeout(r, 200));
      expect(settled).toBe(false);
      const { rows } = await sql<{ n: number }>`select count(*) as n from event_log`.execute(
        store.db,
      );
      expect(Number(rows[0]!.n)).toBe(1500);
      foreign.exec('commit');
      expect(await merged).toBe(true);
    } finally {
      foreign.close();
    }
  });
});

describe('prepared statements', () => {
  it('are prepared once per SQL text and reused, the least recently used dropped first', () => {
    const handle = new SQLite(':memory:');
    const cache = new StatementCache(handle, 2);
    const a = cache.get('select 1');
    expect(cache.get('select 1')).toBe(a);
    const b = cache.get('select 2');
    cache.get('select 1'); // now select 2 is the least recently used
    cache.get('select 3');
    expect(cache.size).toBe(2);
    expect(cache.get('select 1')).toBe(a);
    expect(cache.get('select 2')).not.toBe(b);
    expect(cache.prepared).toBe(4);
    handle.close();
  });

  it('are reused by the driver under Kysely: the same query is not prepared again', async () => {
    const handle = new SQLite(':memory:');
    // A hand-made spy on the one native call that prepares.
    let prepares = 0;
    const prepare = handle.prepare.bind(handle);
    handle.prepare = ((source: string) => {
      prepares++;
      return prepare(source);
    }) as typeof handle.prepare;
    const db = new Kysely<Database>({ dialect: new LockAwareSqliteDialect(handle) });
    await sql`create table store_probe (id integer primary key, written_at integer)`.execute(db);
    const before = prepares;
    for (let i = 0; i < 10; i++)
      await db.insertInto('store_probe').values({ id: i, written_at: i }).execute();
    for (let i = 0; i < 10; i++)
      await db.selectFrom('store_probe').selectAll().where('id', '=', i).execute();
    expect(prepares - before).toBe(2);
    await db.destroy();
  });
});
