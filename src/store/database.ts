import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type Pg from 'pg';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import { runAlways, type RunAlone } from './age-retention.js';
import { observedDialect } from './observed-dialect.js';
import type { Database } from './schema.js';
import { LockAwareSqliteDialect, LockWaiters, type LockWaitOptions } from './sqlite-driver.js';
import { SqliteMaintenanceThread, type MaintenanceResult } from './sqlite-maintenance-thread.js';
import { classifyStoreFault } from './store-fault.js';
import { StoreWritability } from './writability.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL: the schema everything lives in, when not the default search path. */
  schema?: string;
  /** Where the data lives, without credentials, for logs and /readyz. */
  location: string;
  /** Whether writes work now, and why not; fed by every database call. */
  writability: StoreWritability;
  ping(): Promise<void>;
  /** A small committed write, to learn whether writes work when nothing else writes. */
  probeWrite(): Promise<void>;
  /**
   * Hands up to `maxPages` free pages back to the file system; returns how many free
   * pages are left. SQLite only (incremental auto-vacuum); PostgreSQL's own vacuum reuses
   * freed space, so there it returns 0.
   */
  reclaimSpace(maxPages: number): Promise<number>;
  /**
   * One step of merging the event text index (about `pages` pages written, more when
   * one trigram's list is longer); true when there was work. SQLite only, on a
   * connection of its own in another thread: writes never merge it themselves
   * (migration 0025). PostgreSQL's GIN index needs no such help: false.
   */
  mergeTextIndex(pages: number): Promise<boolean>;
  /**
   * Runs a periodic job unless another process on this database runs it now (then
   * null). PostgreSQL: a session advisory lock on a connection held for the run, which
   * the server releases if this process dies. SQLite has one writer process: it runs.
   */
  runAlone: RunAlone;
  destroy(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… , sqlite:PATH, or null for DATA_DIR/logwarden.db. */
  url: string | null;
  dataDir: string;
  /** PostgreSQL only: the schema to use (tests isolate themselves with one each). */
  schema?: string;
  poolSize?: number;
  /** Where store faults (a lock, a full disk, a lost server) and recoveries are logged. */
  log?: Logger;
  /** SQLite: how long a write waits for another process's lock before it fails. */
  lockWait?: LockWaitOptions;
}

/**
 * pg is loaded only for a PostgreSQL URL: it costs ~3 MB of heap and ~10 MB resident that
 * a SQLite install (the default) never uses. Synchronously, as openStore is.
 */
const loadPg = (): typeof Pg => createRequire(import.meta.url)('pg') as typeof Pg;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export function openStore(options: StoreOptions): Store {
  const url = options.url;
  if (url && /^postgres(ql)?:/.test(url)) return openPostgres(url, options);
  const path = url?.startsWith('sqlite:')
    ? url.slice('sqlite:'.length)
    : join(options.dataDir, 'logwarden.db');
  return openSqlite(path, options);
}

/** Touches the one row of store_probe: a real page write, so a full disk shows. */
async function probeWrite(db: Kysely<Database>): Promise<void> {
  const at = Date.now();
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('store_probe')
      .values({ id: 1, written_at: at })
      .onConflict((oc) => oc.column('id').doUpdateSet({ written_at: at }))
      .execute();
  });
}

function openSqlite(path: string, options: StoreOptions): Store {
  const file = path === ':memory:' ? path : resolve(path);
  // It holds password hashes and notification credentials: ours to read only.
  const isNew = file !== ':memory:' && !existsSync(file);
  if (isNew) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // SQLite spills a big statement's journal and sorts to a temporary directory, /tmp by
  // default; on a read-only root (`docker run --read-only`) that write fails as "disk I/O
  // error" and every commit with it. The database's own directory is writable. SQLite
  // reads the variable when it first needs a temporary file, so this is in time.
  if (file !== ':memory:' && process.env.SQLITE_TMPDIR === undefined)
    process.env.SQLITE_TMPDIR = dirname(file);
  let handle: SQLite.Database;
  try {
    handle = new SQLite(file);
    if (isNew) chmodSync(file, 0o600);
  } catch (err) {
    throw new AppError(ErrorCode.DatabaseUnavailable, `cannot open SQLite database ${file}`, {
      cause: err,
    });
  }
  // Only takes on a file without tables (a new one); migration 0017 converts older files.
  handle.pragma('auto_vacuum = INCREMENTAL');
  handle.pragma('journal_mode = WAL');
  // A checkpoint truncates the WAL back to this: a big prune must not leave it huge.
  handle.pragma('journal_size_limit = 67108864');
  // Never wait inside SQLite: that would block the event loop (see sqlite-driver.ts).
  handle.pragma('busy_timeout = 0');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  const totalChanges = handle.prepare('select total_changes()').pluck();
  const waiters = new LockWaiters();
  // An in-memory database has no second connection.
  const maintenance = file === ':memory:' ? null : new SqliteMaintenanceThread(file, waiters);
  const writability = new StoreWritability(options.log);
  const db = new Kysely<Database>({
    dialect: observedDialect(
      new LockAwareSqliteDialect(handle, options.lockWait, waiters),
      writability,
    ),
  });
  /**
   * Upkeep moves pages under the write lock: on the maintenance thread where there is
   * one; otherwise through Kysely's connection, so it never runs inside someone else's
   * transaction. exec, not a prepared statement, which would step once.
   */
  const upkeep = (statement: string, read?: string): Promise<MaintenanceResult> =>
    maintenance
      ? maintenance.exec(statement, read)
      : db.connection().execute(async () => {
          const before = Number(totalChanges.get());
          handle.exec(statement);
          const changes = Number(totalChanges.get()) - before;
          return { changes, value: read ? handle.prepare(read).pluck().get() : null };
        });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    writability,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    probeWrite: () => probeWrite(db),
    reclaimSpace: async (maxPages) => {
      const vacuum = `pragma incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`;
      return Number((await upkeep(vacuum, 'pragma freelist_count')).value);
    },
    runAlone: runAlways,
    mergeTextIndex: async (pages) => {
      const merge = `insert into event_log_fts(event_log_fts, rank) values ('merge', ${Math.max(1, Math.floor(pages))})`;
      try {
        // FTS5 says whether a 'merge' found work only through the change counter: a
        // difference of 2 or more means it wrote.
        return (await upkeep(merge)).changes >= 2;
      } catch (err) {
        // A lock held past the thread's wait (a backup), a full disk, a file gone: the
        // main connection's writes say so (StoreWritability); merging waits for next time.
        if (classifyStoreFault(err) !== null) return false;
        throw err;
      }
    },
    destroy: async () => {
      await maintenance?.close();
      await db.destroy();
    },
  };
}

function openPostgres(url: string, options: StoreOptions): Store {
  const parsed = new URL(url);
  const pg = loadPg();
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    // A server that vanishes without closing the connection is found by TCP, not never.
    keepAlive: true,
    // Times and ids are int8; they fit in a double for the next 285,000 years.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // A client losing its server emits 'error': the pool handles idle clients' (and emits
  // it again), a checked-out client between queries has no listener of its own. Either
  // unhandled would crash the process; the next query reports the loss instead.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const writability = new StoreWritability(options.log);
  const db = new Kysely<Database>({
    dialect: observedDialect(new PostgresDialect({ pool }), writability),
  });
  return {
    db,
    dialect: 'postgres',
    schema: options.schema,
    location: `postgres://${parsed.host}${parsed.pathname}`,
    writability,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    probeWrite: () => probeWrite(db),
    reclaimSpace: async () => 0,
    mergeTextIndex: async () => false,
    runAlone: (job, work) =>
      runAloneOnPostgres(db, `logwarden:${options.schema ?? ''}:${job}`, work),
    destroy: () => db.destroy(),
  };
}

async function runAloneOnPostgres<T>(
  db: Kysely<Database>,
  key: string,
  work: () => Promise<T>,
): Promise<T | null> {
  return db.connection().execute(async (connection) => {
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock(hashtext(${key})) as locked`.execute(connection);
    if (!rows[0]?.locked) return null;
    try {
      return await work();
    } finally {
      // A connection that broke meanwhile took the lock with it.
      await sql`select pg_advisory_unlock(hashtext(${key}))`
        .execute(connection)
        .catch(() => undefined);
    }
  });
}
