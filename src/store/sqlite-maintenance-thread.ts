import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { LockWaiters } from './sqlite-driver.js';

/**
 * The thread's whole program (CommonJS, so it needs no build step of its own): its own
 * connection to the file, statements run one at a time. It may wait for the write lock
 * (busy_timeout): that blocks this thread only.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
let db = null;
let totalChanges = null;
let openError = null;
try {
  // Never a new, empty file where the database was moved away.
  db = new SQLite(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = ${5_000}');
  db.pragma('synchronous = NORMAL');
  db.pragma('journal_size_limit = 67108864');
  totalChanges = db.prepare('select total_changes()').pluck();
} catch (err) {
  // Every statement is answered with it, with an SQLite code the store can classify.
  openError = { message: String(err && err.message), code: (err && err.code) || 'SQLITE_CANTOPEN' };
}
parentPort.on('message', ({ id, sql, read }) => {
  if (sql === null) { if (db) db.close(); parentPort.close(); return; }
  if (openError) { parentPort.postMessage({ id, error: openError }); return; }
  try {
    const before = totalChanges.get();
    db.exec(sql);
    const changes = totalChanges.get() - before;
    parentPort.postMessage({ id, changes, value: read ? db.prepare(read).pluck().get() : null });
  } catch (err) {
    parentPort.postMessage({ id, error: { message: String(err && err.message), code: err && err.code } });
  }
});
`;

/** What a statement did: rows it changed (total_changes), and the value read after it. */
export interface MaintenanceResult {
  changes: number;
  value: unknown;
}

interface Reply {
  id: number;
  changes?: number;
  value?: unknown;
  error?: { message: string; code?: string };
}

/** After a thread failed (its file gone, say), how long before another is started. */
const RESTART_BACKOFF_MS = 60_000;

/**
 * A second connection to the same SQLite file, on a thread of its own, for upkeep whose
 * single steps take hundreds of milliseconds (merging a text index whose common trigrams
 * list every row cannot stop inside one list): on the main connection such a step stops
 * the event loop; here it only makes a concurrent write wait for the lock, which the
 * main connection does asynchronously (sqlite-driver.ts), and no new statement starts
 * while such a write waits. One statement at a time; started on first use.
 */
export class SqliteMaintenanceThread {
  private worker: Worker | null = null;
  private current: { id: number; worker: Worker; settle: (reply: Reply) => void } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private closing: Promise<void> | null = null;
  private failure: { at: number; error: Error } | null = null;

  constructor(
    private readonly file: string,
    /** The main connection's writes waiting for the lock, and whether a statement runs. */
    private readonly waiters: LockWaiters,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Runs `sql` (no parameters), then the single-value query `read` if given. */
  exec(sql: string, read?: string): Promise<MaintenanceResult> {
    const run = this.queue.then(() => this.run(sql, read));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Lets a statement under way finish, then closes the connection and the thread. */
  close(): Promise<void> {
    this.closing ??= this.queue.then(async () => {
      const worker = this.worker;
      if (!worker) return;
      this.worker = null;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      // Unreferenced, it would not keep the process alive until it has closed its file.
      worker.ref();
      worker.postMessage({ id: -1, sql: null });
      await exited;
    });
    return this.closing;
  }

  private async run(sql: string, read?: string): Promise<MaintenanceResult> {
    await this.waiters.none();
    if (this.closing) throw new Error('SQLite maintenance thread closed');
    const worker = this.start();
    const id = this.nextId++;
    const reply = await new Promise<Reply>((settle) => {
      this.current = { id, worker, settle };
      // Referenced while it works: a script awaiting a step must not exit under it.
      worker.ref();
      this.waiters.upkeepStarted();
      worker.postMessage({ id, sql, read });
    }).finally(() => {
      this.current = null;
      this.waiters.upkeepEnded();
      worker.unref();
    });
    if (!reply.error) return { changes: reply.changes ?? 0, value: reply.value };
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    if (this.failure && this.clock() - this.failure.at < RESTART_BACKOFF_MS)
      throw this.failure.error;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { driver, file: this.file },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      if (this.current?.worker === worker && this.current.id === reply.id)
        this.current.settle(reply);
    });
    // A thread that failed (its file could not be opened) or exited fails the statement
    // it held; the next call starts a new one, after a pause if it failed.
    const fail = (message: string, code?: string) => {
      if (this.worker === worker) this.worker = null;
      if (this.current?.worker === worker)
        this.current.settle({ id: this.current.id, error: { message, code } });
    };
    worker.on('error', (err: Error & { code?: string }) => {
      this.failure = {
        at: this.clock(),
        error: Object.assign(new Error(`SQLite maintenance thread failed: ${err.message}`), {
          code: err.code,
        }),
      };
      fail(this.failure.error.message, err.code);
    });
    worker.on('exit', () => fail('SQLite maintenance thread exited'));
    this.worker = worker;
    return worker;
  }
}
