// The database under a user's queries: 1 M events in SQLite, the real server in this
// process, and what GET /api/events, /healthz and the event loop do while searches and
// retention run. `tsx bench/e2e/database.ts [rows]` prints one JSON object per line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { AppContext } from '../../src/context.js';
import { EventRepository } from '../../src/events/repository.js';
import { EventRetention } from '../../src/events/retention.js';
import { migrateToLatest, openStore } from '../../src/store/index.js';
import type { BenchSection } from './context.js';
import { round, summarize } from './stats.js';

export interface DatabaseBenchOptions {
  /** Events seeded before measuring; 1 M by default. */
  rows?: number;
  /** A database seeded beforehand with `rows` events (seedInBackground); none: seeded here. */
  seeded?: SeededDatabase;
  /** Requests per measured query. */
  samples?: number;
  /** Where the database goes; a fresh temporary directory by default (removed after). */
  dir?: string;
  /** Each figure as it is measured (one JSON line each by default). */
  report?: (figure: Record<string, unknown>) => void;
}

const SEVERITIES = ['info', 'warn', 'error', 'critical'] as const;
/** The share of the seeded rows the measured retention pass deletes. */
const PRUNED_SHARE = 0.1;
const RANKS = { info: 0, warn: 1, error: 2, critical: 3 } as const;
const SERVICES = ['api', 'worker', 'db', 'cache', 'auth', 'billing', 'search', 'mailer'];

/** A log line like the ones rules match: varied words, numbers and paths. */
function message(i: number): string {
  const svc = SERVICES[i % SERVICES.length]!;
  const ms = (i * 7919) % 5000;
  return `${svc}[${i % 97}] request ${(i * 2654435761) % 4294967296} GET /api/v1/items/${i % 1000} took ${ms}ms status=${500 + (i % 4)} user=u${i % 3000}`;
}

/** Bulk insert through a connection of its own, in big transactions: seconds, not minutes. */
function seed(file: string, rows: number): void {
  const db = new SQLite(file);
  // The text index is built in one statement after the rows, as migration 0017 builds
  // it: row by row through its trigger, seeding takes seven times as long.
  const trigger = db
    .prepare(
      `select sql from sqlite_master where type = 'trigger' and name = 'event_log_fts_insert'`,
    )
    .pluck()
    .get() as string;
  db.exec('drop trigger event_log_fts_insert');
  db.close();
  bulkInsert(file, rows);
  const indexed = new SQLite(file);
  indexed.exec('insert into event_log_fts(rowid, message) select id, message from event_log');
  indexed.exec(trigger);
  // One segment, as a long-running install's background merging leaves the index
  // (writes do not merge it since migration 0025).
  indexed.exec(`insert into event_log_fts(event_log_fts) values ('optimize')`);
  indexed.pragma('wal_checkpoint(TRUNCATE)');
  indexed.close();
}

function bulkInsert(file: string, rows: number): void {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `insert into event_log (created_at, source, severity, severity_rank, message, metadata, workload_id, container_id, rule_id)
     values (?, 'logscan', ?, ?, ?, ?, ?, ?, ?)`,
  );
  const start = Date.now() - 10 * 86_400_000;
  const step = (10 * 86_400_000) / rows;
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = i % 100;
      const severity = r < 70 ? 'info' : r < 90 ? 'warn' : r < 98 ? 'error' : 'critical';
      insert.run(
        Math.floor(start + i * step),
        SEVERITIES[RANKS[severity]],
        RANKS[severity],
        message(i),
        JSON.stringify({ rule_id: i % 100, rule_name: `rule ${i % 100}`, stream: 'stdout' }),
        `w${i % 10}`,
        `c${i % 50}`,
        i % 100,
      );
    }
  });
  for (let from = 0; from < rows; from += 100_000) chunk(from, Math.min(rows, from + 100_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

function fileBytes(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) if (existsSync(f)) total += statSync(f).size;
  return total;
}

function summary(samples: number[]) {
  const { count, p50, p99, max } = summarize(samples);
  return { n: count, p50_ms: round(p50), p99_ms: round(p99), max_ms: round(max) };
}

/** The longest the event loop went without running a 5 ms timer, beyond those 5 ms. */
function stallMeter(): { stop(): number } {
  let last = performance.now();
  let max = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 5);
    last = now;
  }, 5);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(max, performance.now() - last - 5) * 10) / 10;
    },
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Migrates (the schema the code under test expects), then seeds beside it. */
async function migrateAndSeed(dir: string, rows: number): Promise<void> {
  const file = join(dir, 'logwarden.db');
  const migrated = openStore({ url: `sqlite:${file}`, dataDir: dir });
  await migrateToLatest(migrated);
  await migrated.destroy();
  seed(file, rows);
}

/** A database being seeded by a child process; `done` resolves with the seeding's wall time. */
export interface SeededDatabase {
  dir: string;
  rows: number;
  done: Promise<number>;
  remove(): void;
}

/**
 * Seeds `rows` events in a child process (this file, `--seed-into <dir>`), so the run can
 * go on with what does not measure CPU (the memory section) meanwhile.
 */
export function seedInBackground(rows: number): SeededDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'lw-dbbench-'));
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--seed-into', dir, String(rows)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(performance.now() - t0)
        : reject(new Error(`seeding ${rows} events failed (${code}): ${stderr.slice(-500)}`)),
    );
  });
  done.catch(() => undefined);
  return {
    dir,
    rows,
    done,
    // Idempotent: the section removes it when done, the run again on its way out.
    remove: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function runDatabaseBench(options: DatabaseBenchOptions = {}): Promise<void> {
  const rows = options.seeded?.rows ?? options.rows ?? 1_000_000;
  const samples = options.samples ?? 30;
  const report = options.report ?? ((f) => console.log(JSON.stringify(f)));
  const dir = options.seeded?.dir ?? options.dir ?? mkdtempSync(join(tmpdir(), 'lw-dbbench-'));
  const file = join(dir, 'logwarden.db');
  const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

  let t0 = performance.now();
  const seedMs = options.seeded
    ? await options.seeded.done
    : await migrateAndSeed(dir, rows).then(() => performance.now() - t0);
  report({
    name: 'db seed',
    rows,
    ms: Math.round(seedMs),
    in_background: Boolean(options.seeded),
    loadavg: load(),
  });

  const { config, secrets } = loadConfig({
    env: {
      LOGWARDEN_DATA_DIR: dir,
      LOGWARDEN_LISTEN: '127.0.0.1:0',
      DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
      LOGWARDEN_EVENTS_RETENTION_ROWS: '1000000000',
      LOGWARDEN_EVENTS_RETENTION_DAYS: '36500',
    },
  });
  const log = pino({ level: 'silent' });
  const store = openStore({ url: `sqlite:${file}`, dataDir: dir });
  const ctx = await AppContext.fromConfig(config, secrets, { store, logger: log });
  await ctx.start();
  // Whatever pass the app starts with is over before anything is measured.
  await ctx.parts.events.retention.prune();
  const auth = ctx.parts.auth.service;
  const user = await auth.createUser({
    username: 'bench',
    password: 'bench-password-123456',
    role: 'admin',
  });
  const { token } = await auth.createToken({ name: 'bench', role: 'admin' }, { user_id: user.id });
  const base = ctx.url();
  const headers = { authorization: `Bearer ${token}` };
  const get = async (path: string, auth = true) => {
    const res = await fetch(base + path, auth ? { headers } : {});
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ items?: { id: number }[] }>;
  };

  try {
    const first = await get('/api/events?limit=50');
    const newest = first.items![0]!.id;
    const oldest = newest - rows + 1;
    const queries: [string, string][] = [
      ['first page', '/api/events?limit=50'],
      ['severity critical', '/api/events?limit=50&severity=critical'],
      ['text matching nothing', '/api/events?limit=50&q=no%20such%20words'],
      ['text, rare match', '/api/events?limit=50&q=items%2F999%20took%204'],
      ['deep cursor', `/api/events?limit=50&before=${oldest + 5000}`],
    ];
    for (const [query, path] of queries) {
      const lat: number[] = [];
      await get(path); // warm
      for (let i = 0; i < samples; i++) lat.push(await timed(() => get(path)));
      report({ name: 'db GET /api/events', query, rows, ...summary(lat), loadavg: load() });
    }

    const healthz: number[] = [];
    for (let i = 0; i < samples; i++) healthz.push(await timed(() => get('/healthz', false)));
    report({ name: 'db /healthz idle', ...summary(healthz), loadavg: load() });

    // Idle retention: nothing to delete at 1 M rows under a 1 M limit.
    const repo = new EventRepository(store.db);
    const idle = new EventRetention(repo, log, { retentionDays: 36500, retentionRows: rows });
    const idleStall = stallMeter();
    t0 = performance.now();
    await idle.prune();
    const idleMax = idleStall.stop();
    report({
      name: 'db idle prune',
      rows,
      ms: Math.round(performance.now() - t0),
      loop_max_ms: idleMax,
      loadavg: load(),
    });

    // Two text searches in a loop and a retention pass that drops a tenth of the rows (a
    // lowered row limit; half took four minutes of the run), /healthz polled.
    const sizeBefore = fileBytes(file);
    const kept = Math.round(rows * (1 - PRUNED_SHARE));
    // As the app wires it (context.ts): freed pages handed back after the prune.
    const pruning = new EventRetention(repo, log, {
      retentionDays: 36500,
      retentionRows: kept,
      reclaimSpace: (pages: number) => store.reclaimSpace(pages),
    });
    const busyLoop = monitorEventLoopDelay({ resolution: 5 });
    busyLoop.reset();
    busyLoop.enable();
    const busyStall = stallMeter();
    let busy = true;
    const searches: number[] = [];
    // A failed request is counted and shown, not fatal to the run.
    const failures: string[] = [];
    const attempt = async (into: number[], path: string, auth = true) => {
      try {
        into.push(await timed(() => get(path, auth)));
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        failures.push(
          `${path}: ${err instanceof Error ? err.message : String(err)}${cause ? ` (${cause})` : ''}`,
        );
      }
    };
    const searcher = async () => {
      while (busy) await attempt(searches, '/api/events?limit=50&q=no%20such%20words');
    };
    const underLoad: number[] = [];
    const poller = async () => {
      while (busy) {
        await attempt(underLoad, '/healthz', false);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    t0 = performance.now();
    const running = [searcher(), searcher(), poller()];
    const pruned = await pruning.prune();
    const pruneMs = performance.now() - t0;
    // At least a few searches and polls even when the pass is quick.
    while (searches.length < 4 || underLoad.length < 20)
      await new Promise((r) => setTimeout(r, 20));
    busy = false;
    await Promise.all(running);
    busyLoop.disable();
    const busyMax = busyStall.stop();
    report({
      name: 'db /healthz during 2 searches + retention',
      pruned,
      prune_ms: Math.round(pruneMs),
      healthz: summary(underLoad),
      searches: summary(searches),
      failed_requests: failures.length,
      failures: failures.slice(0, 5),
      loop_p50_ms: Math.round(busyLoop.percentile(50) / 1e5) / 10,
      loop_p99_ms: Math.round(busyLoop.percentile(99) / 1e5) / 10,
      loop_max_ms: Math.max(busyMax, Math.round(busyLoop.max / 1e5) / 10),
      loadavg: load(),
    });
    // The text index sheds the deleted rows as the background merger gets to them, and
    // the pages that frees go back at the next retention pass: wait for both (the time
    // it took is in the figure), then checkpoint so the WAL does not hide the file's size.
    t0 = performance.now();
    const mergeSteps = (await ctx.parts.events.textIndex?.mergeAll()) ?? 0;
    await pruning.prune();
    const settleMs = performance.now() - t0;
    const probe = new SQLite(file);
    probe.pragma('wal_checkpoint(TRUNCATE)');
    const freePages = probe.pragma('freelist_count', { simple: true }) as number;
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    probe.close();
    report({
      name: 'db file size',
      rows_before: rows,
      rows_after: kept,
      mib_before: Math.round(sizeBefore / 2 ** 20),
      mib_after: Math.round(fileBytes(file) / 2 ** 20),
      free_mib_after: Math.round((freePages * pageSize) / 2 ** 20),
      text_index_merge_steps_after: mergeSteps,
      settle_ms: Math.round(settleMs),
      loadavg: load(),
    });
    const metrics = await (await fetch(`${base}/metrics`, { headers })).text();
    report({
      name: 'db metrics exported',
      eventloop: metrics
        .split('\n')
        .filter((l) => /^nodejs_eventloop_lag_(p50|p99|max)_seconds /.test(l)),
    });
  } finally {
    await ctx.destroy();
    if (options.seeded) options.seeded.remove();
    else if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The section of `npm run bench:e2e`. It measures this checkout's code in this process
 * (not `--target`'s build): run it from the checkout to compare.
 */
export const databaseSection: BenchSection = {
  name: 'database',
  run: (ctx) =>
    runDatabaseBench({
      rows: ctx.options.databaseRows,
      seeded: ctx.seededDatabase,
      report: (figure) => ctx.emit({ section: 'database', ...figure }),
    }),
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === '--seed-into') {
    await migrateAndSeed(process.argv[3]!, Number(process.argv[4]));
  } else {
    const rows = Number(process.argv[2] ?? 1_000_000);
    await runDatabaseBench({ rows });
  }
}
