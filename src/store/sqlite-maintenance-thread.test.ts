import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockWaiters } from './sqlite-driver.js';
import { SqliteMaintenanceThread } from './sqlite-maintenance-thread.js';

describe('SqliteMaintenanceThread', () => {
  let dir: string;
  let file: string;
  let thread: SqliteMaintenanceThread | null = null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lw-maint-'));
    file = join(dir, 'x.db');
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (x integer)');
    db.close();
  });

  afterEach(async () => {
    await thread?.close();
    thread = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a statement on its own connection and reads a value after it', async () => {
    thread = new SqliteMaintenanceThread(file, new LockWaiters());
    expect(await thread.exec('insert into t values (1), (2)', 'select count(*) from t')).toEqual({
      changes: 2,
      value: 2,
    });
  });

  it('starts no statement while a write of the process waits for the lock', async () => {
    const waiters = new LockWaiters();
    thread = new SqliteMaintenanceThread(file, waiters);
    waiters.enter();
    let done = false;
    const running = thread.exec('insert into t values (1)').then(() => (done = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    waiters.leave();
    await running;
    expect(done).toBe(true);
  });

  it('creates no file where the database is gone, and says so with an SQLite code', async () => {
    thread = new SqliteMaintenanceThread(join(dir, 'moved-away.db'), new LockWaiters());
    await expect(thread.exec('select 1')).rejects.toMatchObject({ code: 'SQLITE_CANTOPEN' });
    expect(existsSync(join(dir, 'moved-away.db'))).toBe(false);
  });

  it('refuses statements once closed, and a second close waits for the first', async () => {
    thread = new SqliteMaintenanceThread(file, new LockWaiters());
    await thread.exec('insert into t values (1)');
    const first = thread.close();
    const second = thread.close();
    expect(second).toBe(first);
    await first;
    await expect(thread.exec('insert into t values (2)')).rejects.toThrow(/closed/);
  });

  it('tells the lock waiters while a statement runs', async () => {
    const waiters = new LockWaiters();
    thread = new SqliteMaintenanceThread(file, waiters);
    const foreign = new SQLite(file);
    try {
      foreign.exec('begin immediate');
      const running = thread.exec('insert into t values (1)');
      await new Promise((r) => setTimeout(r, 100));
      // A write meeting the lock now knows it is most likely the thread's own step.
      expect(waiters.upkeepRunning).toBe(true);
      foreign.exec('commit');
      await running;
      expect(waiters.upkeepRunning).toBe(false);
    } finally {
      foreign.close();
    }
  });

  it('reports a failed statement with its SQLite code and keeps serving', async () => {
    thread = new SqliteMaintenanceThread(file, new LockWaiters());
    await expect(thread.exec('insert into no_such_table values (1)')).rejects.toMatchObject({
      code: 'SQLITE_ERROR',
    });
    expect((await thread.exec('insert into t values (1)')).changes).toBe(1);
  });
});
