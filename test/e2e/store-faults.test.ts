import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { dockerHost, dockerOutput, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

/**
 * Issue 16, defects 2 and 3: what the database does (a foreign lock, a full disk, a
 * PostgreSQL server gone) must neither freeze the process nor lose or double a line.
 * Each test runs a real `serve` against the real engine and a container that numbers its
 * lines, and compares what was recorded with what Docker holds.
 */

const run = promisify(execFile);
const created = new Set<string>();
const dirs: string[] = [];
const mounts: string[] = [];
/** /healthz slower than this at p99 means the event loop was held, not merely busy. */
const FROZEN_MS = 1000;
let proc: LogwardenProcess | null = null;

afterEach(async () => {
  if (proc) await stopServed(proc, 'SIGKILL');
  proc = null;
  await removeContainers(created);
  created.clear();
});

afterAll(async () => {
  for (const dir of mounts) await run('umount', ['-l', dir]).catch(() => undefined);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Api = ReturnType<typeof apiClient>;

async function serve(dataDir: string, env: Record<string, string> = {}) {
  const served = await serveForTest(dataDir, env);
  proc = served.proc;
  return { api: apiClient(served.url, served.token), url: served.url, token: served.token };
}

/** A container writing `SEQ n <padding>` for n = 1..last on stdout, `perTick` lines per tick. */
async function sequencer(last: number, perTick: number, tickSeconds: number, pad = 0) {
  const padding = 'p'.repeat(pad);
  const id = await runContainer(
    `n=0; while [ $n -lt ${last} ]; do i=0; while [ $i -lt ${perTick} ] && [ $n -lt ${last} ]; do n=$((n+1)); i=$((i+1)); echo "SEQ $n ${padding}"; done; sleep ${tickSeconds}; done; sleep 3600`,
  );
  created.add(id);
  return id;
}

async function sequenceRule(api: Api): Promise<number> {
  const rule = await api.post<{ id: number }>('/api/rules', {
    name: 'sequence',
    pattern: 'SEQ (?P<n>\\d+)',
    scope: 'global',
    cooldown_seconds: 0,
  });
  return rule.id;
}

const numbersIn = (messages: string[]) =>
  messages.map((m) => /SEQ (\d+)/.exec(m)?.[1]).filter((n): n is string => n !== undefined);

/** The highest SEQ recorded so far (lines come in order on one stream). */
async function newestSeq(api: Api, rule: number): Promise<number> {
  const page = await api.get<{ items: { message: string }[] }>(`/api/events?rule=${rule}&limit=1`);
  return Number(numbersIn(page.items.map((e) => e.message))[0] ?? 0);
}

/** Waits for the container's last line to be recorded, then compares line by line. */
async function expectExactlyOnce(api: Api, rule: number, id: string, last: number) {
  await eventually(
    async () => {
      await new Promise((r) => setTimeout(r, 500));
      return (await newestSeq(api, rule)) >= last;
    },
    240_000,
    `SEQ ${last} to be recorded`,
  ).catch(() => undefined); // the tally below says what is missing
  const held = await dockerOutput(dockerHost(), 'logs', id);
  const expected = numbersIn(held.stdout.split('\n'));
  expect(expected.length).toBe(last);
  const seen = numbersIn((await api.allEvents(`rule=${rule}`)).map((e) => e.message));
  const tally = (list: string[]) =>
    list.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const have = tally(seen);
  const want = tally(expected);
  const wrong = [...new Set([...have.keys(), ...want.keys()])]
    .filter((n) => have.get(n) !== want.get(n))
    .slice(0, 20)
    .map((n) => `SEQ ${n}: recorded ${have.get(n) ?? 0}, Docker holds ${want.get(n) ?? 0}`);
  expect(wrong).toEqual([]);
  expect(seen.length).toBe(expected.length);
}

async function readiness(url: string) {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as {
    checks: { database: { ok: boolean; error?: string; writable: boolean } };
  };
  return { status: res.status, database: body.checks.database };
}

/** The serve process's log lines (pino JSON) with this message. */
function logged(message: string): Record<string, unknown>[] {
  return proc!.stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l['msg'] === message);
}

/** Resident set size of the serve process, in MiB. */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** p-quantile of a list of numbers. */
function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/**
 * Another process holding `BEGIN EXCLUSIVE` on the database file, as a backup tool or a
 * `sqlite3` shell does. Resolves once it holds the lock; ends it with `release()` (and
 * when this test process dies: the shell exits when its stdin closes).
 */
async function foreignLock(file: string) {
  const shell: ChildProcess = spawn('sqlite3', [file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  shell.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  shell.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  shell.stdin!.write(".timeout 10000\nBEGIN EXCLUSIVE;\nSELECT 'locked-' || 'now';\n");
  await eventually(() => out.includes('locked-now'), 20_000, `the sqlite3 lock (${out})`);
  return {
    release: async () => {
      shell.stdin!.end('COMMIT;\n.quit\n');
      await new Promise((r) => shell.once('exit', r));
    },
    kill: () => shell.kill('SIGKILL'),
  };
}

describe('store faults (issue 16)', () => {
  it('a 30 s foreign SQLite write lock: /healthz stays fast, /readyz says locked, nothing lost or doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-lock-'));
    dirs.push(dir);
    const { api, url, token } = await serve(dir);
    const rule = await sequenceRule(api);
    const last = 4000;
    // ~100 lines/s for ~40 s: the lock comes in the middle of it.
    const id = await sequencer(last, 10, 0.1);
    await eventually(async () => (await newestSeq(api, rule)) >= 200, 60_000, '200 lines');

    const lock = await foreignLock(join(dir, 'logwarden.db'));
    const latencies: number[] = [];
    const statuses: number[] = [];
    const readyz: { status: number; error?: string }[] = [];
    let signedInRead = 0;
    try {
      const until = Date.now() + 30_000;
      let tick = 0;
      while (Date.now() < until) {
        const started = performance.now();
        const res = await fetch(`${url}/healthz`);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        statuses.push(res.status);
        if (tick % 5 === 4) {
          const r = await readiness(url);
          readyz.push({ status: r.status, error: r.database.error });
        }
        if (tick === 100) {
          // Reads work while writes wait.
          const res = await fetch(`${url}/api/events?rule=${rule}&limit=5`, {
            headers: { authorization: `Bearer ${token}` },
          });
          signedInRead = res.status;
        }
        tick++;
        await new Promise((r) => setTimeout(r, Math.max(0, 200 - (performance.now() - started))));
      }
    } finally {
      await lock.release().catch(() => lock.kill());
    }
    console.log(
      `healthz during a 30 s lock: ${latencies.length} probes, p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`,
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(latencies.length).toBeGreaterThanOrEqual(100);
    // Not a speed figure (bench:e2e has those): a loop waiting on the lock would answer
    // in seconds; a loaded test machine adds tens of milliseconds.
    expect(quantile(latencies, 0.99)).toBeLessThan(FROZEN_MS);
    expect(readyz).toContainEqual({ status: 503, error: 'not writable: locked' });
    expect(signedInRead).toBe(200);
    expect(logged('database not writable: locked').length).toBeGreaterThanOrEqual(1);

    await eventually(async () => (await readiness(url)).status === 200, 30_000, 'ready again');
    await expectExactlyOnce(api, rule, id, last);
    const resumed = await api.allEvents('source=system');
    expect(resumed.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^database writable again after .* \(locked\)$/),
    );
  }, 400_000);

  it('the data directory fills up under load: /readyz says disk full, reads work, RSS stays bounded, every line recorded once after it grows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-full-'));
    dirs.push(dir);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', dir]);
    mounts.push(dir);
    const { api, url, token } = await serve(dir);
    const rule = await sequenceRule(api);
    const last = 20_000;
    // ~300 lines/s of 200-byte lines for ~70 s, every one a hit.
    const id = await sequencer(last, 60, 0.2, 200);
    await eventually(async () => (await newestSeq(api, rule)) >= 1000, 60_000, '1000 lines');
    const pid = proc!.child.pid!;
    const baseline = rssMiB(pid);

    // Leave a little room: the load fills the rest.
    const { bavail, bsize } = statfsSync(dir);
    try {
      writeFileSync(join(dir, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 256 * 1024)));
    } catch {
      // ENOSPC: full already.
    }
    await eventually(
      async () => (await readiness(url)).database.error === 'not writable: disk full',
      60_000,
      '/readyz to say disk full',
    );

    // Full for 30 s under load: reads answer, memory stays put.
    const rss: number[] = [];
    const reads: number[] = [];
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      rss.push(rssMiB(pid));
      for (const path of [`/api/events?rule=${rule}&limit=5`, '/api/rules', '/api/containers']) {
        const res = await fetch(`${url}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        reads.push(res.status);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const ready = await readiness(url);
    expect(ready.status).toBe(503);
    expect(ready.database).toMatchObject({ ok: false, writable: false });
    // The real cause, once, in the log: not "cannot rollback - no transaction is active".
    const full = logged('database not writable: disk full');
    expect(full.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(full[0])).toContain('SQLITE_FULL');
    expect(proc!.stdout.join('')).not.toContain('cannot rollback');
    expect(reads.every((s) => s === 200)).toBe(true);
    const peak = Math.max(...rss);
    console.log(
      `disk full for 30 s under ~300 lines/s: RSS ${baseline.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB (+${(peak - baseline).toFixed(0)})`,
    );
    expect(peak - baseline).toBeLessThan(64);
    const metrics = await api.text('/metrics');
    expect(metrics).toMatch(/logwarden_store_write_failures_total\{reason="disk full"\} [1-9]/);
    expect(metrics).toMatch(/logwarden_store_writable 0/);

    await run('mount', ['-o', 'remount,size=512m', dir]);
    await eventually(async () => (await readiness(url)).status === 200, 60_000, 'ready again');
    await expectExactlyOnce(api, rule, id, last);
    const system = await api.allEvents('source=system');
    expect(system.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^database writable again after .* \(disk full\)$/),
    );
  }, 500_000);
});

describe('PostgreSQL gone for 60 s (issue 16)', () => {
  // A throwaway cluster of our own: the shared server on 5432 serves other tests.
  const pgRoot = mkdtempSync(join(tmpdir(), 'lw-pg-'));
  const pgData = join(pgRoot, 'data');
  // A free port, not a fixed one: a cluster left by an interrupted run must not stop this one.
  let port = 0;
  const bin = '/usr/lib/postgresql/15/bin';
  const asPostgres = (cmd: string, ...args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { timeout: 60_000 });
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', '-D', pgData, ...args);
  const startPg = () =>
    pgCtl(
      'start',
      '-w',
      '-l',
      join(pgRoot, 'postgres.log'),
      '-o',
      `-p ${port} -k ${pgRoot} -c listen_addresses=127.0.0.1 -c fsync=off`,
    );

  beforeAll(async () => {
    port = await freePort();
    await run('chown', ['postgres', pgRoot]);
    await asPostgres('initdb', '-D', pgData, '--auth=trust', '-U', 'postgres', '--no-sync');
    await startPg();
  }, 120_000);

  afterAll(async () => {
    await pgCtl('stop', '-m', 'immediate').catch(() => undefined);
    rmSync(pgRoot, { recursive: true, force: true });
  });

  it('writes pause while the server is down: /readyz says unreachable, the process lives, RSS bounded, every line recorded once after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-pgdata-'));
    dirs.push(dir);
    const { api, url } = await serve(dir, {
      LOGWARDEN_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
    });
    const rule = await sequenceRule(api);
    const last = 9_000;
    // ~100 lines/s for ~90 s: the outage comes in the middle of it.
    const id = await sequencer(last, 10, 0.1, 100);
    await eventually(async () => (await newestSeq(api, rule)) >= 500, 60_000, '500 lines');
    const pid = proc!.child.pid!;
    const baseline = rssMiB(pid);

    await pgCtl('stop', '-m', 'immediate');
    const rss: number[] = [];
    const latencies: number[] = [];
    const readyz: { status: number; error?: string }[] = [];
    const until = Date.now() + 60_000;
    try {
      while (Date.now() < until) {
        rss.push(rssMiB(pid));
        const started = performance.now();
        const res = await fetch(`${url}/healthz`);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        const r = await readiness(url);
        readyz.push({ status: r.status, error: r.database.error });
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await startPg();
    }
    expect(proc!.child.exitCode).toBeNull();
    expect(readyz.at(-1)!.status).toBe(503);
    expect(readyz.at(-1)!.error).toMatch(/^database unreachable/);
    expect(logged('database unreachable').length).toBeGreaterThanOrEqual(1);
    const peak = Math.max(...rss);
    console.log(
      `PostgreSQL down 60 s under ~100 lines/s: RSS ${baseline.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB (+${(peak - baseline).toFixed(0)}); healthz p99 ${quantile(latencies, 0.99).toFixed(1)} ms`,
    );
    expect(peak - baseline).toBeLessThan(64);
    expect(quantile(latencies, 0.99)).toBeLessThan(FROZEN_MS);

    await eventually(async () => (await readiness(url)).status === 200, 60_000, 'ready again');
    await expectExactlyOnce(api, rule, id, last);
    const system = await api.allEvents('source=system');
    expect(system.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^database writable again after .* \(unreachable\)$/),
    );
  }, 500_000);
});

/** A port nobody listens on now (the cluster keeps it across its restarts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
