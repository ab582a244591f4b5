import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../errors.js';
import { openStore, type Store } from './database.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import { LockAwareSqliteDialect, LockWaiters } from './sqlite-driver.js';
import { classifyStoreFault } from './store-fault.js';

/** A row for event_log; `size` bytes of message make the file grow. */
const eventRow = (size = 10) => ({
  created_at: Date.now(),
  source: 'system',
  severity: 'info',
  severity_rank: 0,
  message: 'x'.repeat(size),
  metadata: '{}',
  workload_id: null,
  container_id: null,
  rule_id: null,
});

describe('SQLite store faults', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let foreign: SQLite.Database | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lw-store-'));
    file = join(dir, 'logwarden.db');
    store = openStore({
      url: `sqlite:${file}`,
      dataDir: dir,
      lockWait: { maxWaitMs: 300, firstRetryMs: 5, maxRetryMs: 50 },
    });
    await migrateToLatest(store);
  });

  afterEach(async () => {
    foreign?.close();
    foreign = null;
    await store.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Another process's `BEGIN EXCLUSIVE`, as a backup tool or a sqlite3 shell holds it. */
  function lockFromOutside(): SQLite.Database {
    foreign = new SQLite(file);
    foreign.exec('begin exclusive');
    return foreign;
  }

  it("a write behind the process's own upkeep step waits past its limit; behind a foreign lock it fails", async () => {
    const handle = new SQLite(file);
    handle.pragma('busy_timeout = 0');
    const waiters = new LockWaiters();
    const db = new Kysely<Database>({
      dialect: new LockAwareSqliteDialect(
        handle,
        { maxWaitMs: 100, firstRetryMs: 5, maxRetryMs: 20 },
        waiters,
      ),
    });
    try {
      // The lock stands for one long merge step of the maintenance thread (seconds on a
      // slow disk), which tells the waiters while it runs.
      const step = lockFromOutside();
      waiters.upkeepStarted();
      const write = db.insertInto('event_log').values(eventRow()).execute();
      await new Promise((r) => setTimeout(r, 400));
      waiters.upkeepEnded();
      step.exec('commit');
      await write;

      lockFromOutside();
      await expect(db.insertInto('event_log').values(eventRow()).execute()).rejects.toMatchObject({
        code: expect.stringMatching(/^SQLITE_BUSY/),
      });
    } finally {
      foreign?.exec('rollback');
      await db.destroy();
    }
  });

  it('a write behind a foreign lock waits without holding the connection, then fails as locked', async () => {
    lockFromOutside();
    const write = store.db.insertInto('event_log').values(eventRow()).execute();
    // While the write waits for the lock, reads still get the connection and answer.
    const read = sql<{ n: number }>`select count(*) as n from event_log`
      .execute(store.db)
      .then(() => 'read done');
    const outcome = await Promise.race([
      read,
      write.then(
        () => 'write done',
        () => 'write failed',
      ),
    ]);
    expect(outcome).toBe('read done');

    const err = await write.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.DatabaseUnavailable);
    expect((err as AppError).message).toContain('database not writable: locked');
    expect(((err as AppError).cause as { code: string }).code).toMatch(/^SQLITE_BUSY/);
    expect(store.writability.state()).toMatchObject({ writable: false, reason: 'locked' });
  });

  it('a transaction takes the write lock up front and retries until a short lock ends', async () => {
    const lock = lockFromOutside();
    const resumed: string[] = [];
    store.writability.onResume((outage) => resumed.push(outage.reason));
    setTimeout(() => lock.exec('commit'), 100);
    await store.db.transaction().execute(async (tx) => {
      await tx.insertInto('event_log').values(eventRow()).execute();
    });
    const { n } = await store.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(1);
    // Waiting within the bound is no outage.
    expect(store.writability.state().writable).toBe(true);
    expect(resumed).toEqual([]);
  });

  it('a full disk keeps its real cause (not "cannot rollback"), and recovery is told once', async () => {
    const resumed: string[] = [];
    store.writability.onResume((outage) => resumed.push(outage.reason));
    const handle = new SQLite(file);
    const pages = handle.pragma('page_count', { simple: true }) as number;
    handle.close();
    // The file may not grow: SQLite answers SQLITE_FULL, as on a full disk.
    await sql.raw(`pragma max_page_count = ${pages}`).execute(store.db);

    const err = await store.db
      .transaction()
      .execute(async (tx) => {
        for (let i = 0; i < 50; i++)
          await tx.insertInto('event_log').values(eventRow(4000)).execute();
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toContain('database not writable: disk full');
    expect(((err as AppError).cause as { code: string }).code).toBe('SQLITE_FULL');
    expect(store.writability.state()).toMatchObject({ writable: false, reason: 'disk full' });
    // Reads keep working.
    await expect(store.ping()).resolves.toBeUndefined();
    // A transaction that changes nothing commits, but proves nothing about the disk.
    await store.db.transaction().execute(async (tx) => {
      await tx.updateTable('event_log').set({ message: 'y' }).where('id', '<', 0).execute();
    });
    expect(store.writability.state().writable).toBe(false);

    await sql.raw(`pragma max_page_count = 1000000`).execute(store.db);
    await store.probeWrite();
    expect(store.writability.state().writable).toBe(true);
    expect(resumed).toEqual(['disk full']);
    expect(store.writability.failureCounts()['disk full']).toBe(1);
  });

  it('the write probe finds a lock on an idle database, and its end', async () => {
    const lock = lockFromOutside();
    store.writability.startProbing(() => store.probeWrite(), { idleMs: 20, retryMs: 20 });
    try {
      await expect.poll(() => store.writability.state().reason, { timeout: 5000 }).toBe('locked');
      lock.exec('commit');
      await expect.poll(() => store.writability.state().writable, { timeout: 5000 }).toBe(true);
    } finally {
      store.writability.stopProbing();
    }
  });
});

describe('store fault classification', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('names the cause behind SQLite and PostgreSQL errors, and nothing else', () => {
    expect(classifyStoreFault(withCode('SQLITE_BUSY'))).toBe('locked');
    expect(classifyStoreFault(withCode('SQLITE_BUSY_SNAPSHOT'))).toBe('locked');
    expect(classifyStoreFault(withCode('SQLITE_FULL'))).toBe('disk full');
    expect(classifyStoreFault(withCode('SQLITE_READONLY_DBMOVED'))).toBe('read-only');
    expect(classifyStoreFault(withCode('SQLITE_IOERR_WRITE'))).toBe('io error');
    expect(classifyStoreFault(withCode('53100'))).toBe('disk full');
    expect(classifyStoreFault(withCode('57P01'))).toBe('unreachable');
    expect(classifyStoreFault(withCode('ECONNREFUSED'))).toBe('unreachable');
    expect(classifyStoreFault(new Error('Connection terminated unexpectedly'))).toBe('unreachable');
    expect(classifyStoreFault(withCode('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
    expect(classifyStoreFault(withCode('23505'))).toBeNull();
    expect(classifyStoreFault(new Error('syntax error'))).toBeNull();
  });

  it('a PostgreSQL server that does not answer is "database unreachable", with the cause', async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const store = openStore({ url: 'postgres://nobody@127.0.0.1:9/none', dataDir: '.' });
    try {
      const err = await store.ping().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(ErrorCode.DatabaseUnavailable);
      expect((err as AppError).message).toMatch(/^database unreachable \(.*ECONNREFUSED/);
      expect(store.writability.state()).toMatchObject({ writable: false, reason: 'unreachable' });
    } finally {
      await store.destroy();
    }
  });
});
