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
const db = new SQLite(workerData.file);
db.pragma('busy_timeout = ${5_000}');
db.pragma('synchronous = NORMAL');
const totalChanges = db.prepare('select total_changes()').pluck();
parentPort.on('message', ({ id, sql, read }) => {
  if (sql === null) { db.close(); parentPort.close(); return; }
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

/**
 * A second connection to the same SQLite file, on a thread of its own, for upkeep whose
 * single steps take hundreds of milliseconds (merging a text index whose common trigrams
 * list every row cannot stop inside one list): on the main connection such a step stops
 * the event loop; here it only makes a concurrent write wait for the lock, which the
 * main connection does asynchronously (sqlite-driver.ts), and no new statement starts
 * while such a write waits. Started on first use.
 */
export class SqliteMaintenanceThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 0;

  constructor(
    private readonly file: string,
    /** The main connection's writes waiting for the lock: each statement waits for none. */
    private readonly waiters: LockWaiters,
  ) {}

  /** Runs `sql` (no parameters), then the single-value query `read` if given. */
  async exec(sql: string, read?: string): Promise<MaintenanceResult> {
    await this.waiters.none();
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<MaintenanceResult>((resolve, reject) => {
      this.pending.set(id, (reply) => {
        if (!reply.error) return resolve({ changes: reply.changes ?? 0, value: reply.value });
        reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      });
      worker.postMessage({ id, sql, read });
    });
  }

  /** Lets a step under way finish, then closes the connection and the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // Unreferenced, it would not keep the process alive until it has closed its file.
    worker.ref();
    worker.postMessage({ id: -1, sql: null });
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { driver, file: this.file },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const settle = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      settle?.(reply);
    });
    // A thread that failed (the file could not be opened) or exited fails what it held;
    // the next call starts a new one.
    const fail = (message: string) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, settle] of this.pending) settle({ id, error: { message } });
      this.pending.clear();
    };
    worker.on('error', (err) => fail(`SQLite maintenance thread failed: ${err.message}`));
    worker.on('exit', () => fail('SQLite maintenance thread exited'));
    this.worker = worker;
    return worker;
  }
}
