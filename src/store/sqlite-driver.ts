import type SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';
import { sleep } from '../sleep.js';
import { classifyStoreFault } from './store-fault.js';

export interface LockWaitOptions {
  /** How long one write waits for a foreign lock before it fails as "locked". */
  maxWaitMs: number;
  firstRetryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_LOCK_WAIT: LockWaitOptions = {
  maxWaitMs: 2_000,
  firstRetryMs: 5,
  maxRetryMs: 200,
};

/**
 * better-sqlite3 is synchronous: with a busy timeout every write behind a foreign lock
 * (a backup, a `sqlite3` shell) would stop the event loop for the whole wait. So the
 * connection runs with busy_timeout 0, takes the write lock up front (BEGIN IMMEDIATE, so
 * a transaction never fails half-way on a lock), and waits for a lock asynchronously,
 * letting other queries use the connection between attempts.
 */
export class LockAwareSqliteDialect extends SqliteDialect {
  constructor(
    private readonly handle: SQLite.Database,
    private readonly lockWait: LockWaitOptions = DEFAULT_LOCK_WAIT,
    private readonly waiters: LockWaiters = new LockWaiters(),
  ) {
    super({ database: handle });
  }

  override createDriver(): Driver {
    return new LockAwareSqliteDriver(this.handle, this.lockWait, this.waiters);
  }
}

/**
 * Whether a write of this process is waiting for SQLite's write lock. Upkeep on another
 * connection of the process (sqlite-maintenance-thread.ts) steps aside for it: stepping
 * again a few milliseconds after each step, it would otherwise take the lock back before
 * a write retrying every 200 ms ever got it.
 */
export class LockWaiters {
  private waiting = 0;
  private cleared: (() => void)[] = [];
  private upkeep = 0;

  upkeepStarted(): void {
    this.upkeep++;
  }

  upkeepEnded(): void {
    this.upkeep--;
  }

  /**
   * Whether the process's own upkeep thread is running a statement: a lock met then is
   * likely its own, held for as long as one step takes (seconds on a slow disk).
   */
  get upkeepRunning(): boolean {
    return this.upkeep > 0;
  }

  enter(): void {
    this.waiting++;
  }

  leave(): void {
    if (--this.waiting === 0) for (const resolve of this.cleared.splice(0)) resolve();
  }

  /** Resolves once no write is waiting for the lock. */
  none(): Promise<void> {
    return this.waiting === 0 ? Promise.resolve() : new Promise((r) => this.cleared.push(r));
  }
}

class ConnectionMutex {
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;

  async lock(): Promise<void> {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  unlock(): void {
    const release = this.release;
    this.held = null;
    this.release = null;
    release?.();
  }
}

const isLocked = (err: unknown) => classifyStoreFault(err) === 'locked';

/** Distinct statement texts kept prepared; the app has a few hundred at most. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Prepared statements by SQL text, least recently used dropped first: preparing is a
 * parse and a plan each time, a visible share of a busy process's CPU. better-sqlite3
 * re-prepares a cached statement by itself when the schema changes under it.
 */
export class StatementCache {
  private readonly statements = new Map<string, SQLite.Statement>();
  prepared = 0;

  constructor(
    private readonly handle: SQLite.Database,
    private readonly capacity = STATEMENT_CACHE_SIZE,
  ) {}

  get(sql: string): SQLite.Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Most recently used goes last: Map keeps insertion order.
      this.statements.delete(sql);
    } else {
      stmt = this.handle.prepare(sql);
      this.prepared++;
      if (this.statements.size >= this.capacity)
        this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  get size(): number {
    return this.statements.size;
  }
}

class LockAwareSqliteDriver implements Driver {
  private readonly mutex = new ConnectionMutex();
  private readonly connection: LockAwareSqliteConnection;

  constructor(
    private readonly handle: SQLite.Database,
    lockWait: LockWaitOptions,
    waiters: LockWaiters,
  ) {
    this.connection = new LockAwareSqliteConnection(
      handle,
      new StatementCache(handle),
      this.mutex,
      lockWait,
      waiters,
    );
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: a transaction has it to itself until it ends.
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(): Promise<void> {
    await this.connection.withLockWait(() => this.handle.exec('begin immediate'));
  }

  async commitTransaction(): Promise<void> {
    this.handle.exec('commit');
  }

  async rollbackTransaction(): Promise<void> {
    // A failed COMMIT or a full disk may already have rolled back; a second ROLLBACK
    // would fail with "no transaction is active" and hide the real error.
    if (this.handle.inTransaction) this.handle.exec('rollback');
  }

  async releaseConnection(): Promise<void> {
    this.mutex.unlock();
  }

  async destroy(): Promise<void> {
    this.handle.close();
  }
}

class LockAwareSqliteConnection implements DatabaseConnection {
  constructor(
    private readonly handle: SQLite.Database,
    private readonly statements: StatementCache,
    private readonly mutex: ConnectionMutex,
    private readonly lockWait: LockWaitOptions,
    private readonly waiters: LockWaiters,
  ) {}

  /**
   * Runs `attempt` until it does not meet a lock, for at most maxWaitMs. Between attempts
   * the connection is free for others (no transaction is open then: a statement inside
   * one never waits, BEGIN IMMEDIATE already holds the lock).
   */
  async withLockWait<T>(attempt: () => T): Promise<T> {
    let started = Date.now();
    let delay = this.lockWait.firstRetryMs;
    let waiting = false;
    try {
      for (;;) {
        try {
          return attempt();
        } catch (err) {
          if (!isLocked(err) || this.handle.inTransaction) throw err;
          // Behind the process's own upkeep thread the wait starts again once its step is
          // done (it starts no other while a write waits): only a foreign lock fails it.
          if (this.waiters.upkeepRunning) started = Date.now();
          else if (Date.now() - started + delay > this.lockWait.maxWaitMs) throw err;
        }
        if (!waiting) this.waiters.enter();
        waiting = true;
        this.mutex.unlock();
        try {
          await sleep(delay);
        } finally {
          await this.mutex.lock();
        }
        delay = Math.min(delay * 2, this.lockWait.maxRetryMs);
      }
    } finally {
      if (waiting) this.waiters.leave();
    }
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiled;
    return this.withLockWait(() => {
      const stmt = this.statements.get(sql);
      if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
      const { changes, lastInsertRowid } = stmt.run(parameters);
      return {
        numAffectedRows: changes === undefined || changes === null ? undefined : BigInt(changes),
        insertId:
          lastInsertRowid === undefined || lastInsertRowid === null
            ? undefined
            : BigInt(lastInsertRowid),
        rows: [],
      };
    });
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { sql, parameters, query } = compiled;
    if (!SelectQueryNode.is(query))
      throw new Error('Sqlite driver only supports streaming of select queries');
    for (const row of this.handle.prepare(sql).iterate(parameters)) yield { rows: [row as R] };
  }
}
