// Memory per idle tail: a real `logwarden serve` (dist/, so `npm run build` first) against
// the engine in DOCKER_HOST, with 0, 50 and 200 idle busybox containers tailed, then
// 200 started and removed a few times (a leak per tail shows as growth at rest).
//
//   DOCKER_HOST=unix:///tmp/lwd/docker.sock npx tsx bench/tail-memory.ts \
//     [--cycles 2] [--steps 0,50,200] [--dist dist,dist-main]
//
// Prints one JSON object per reading and a summary. Each reading is taken after a full
// GC (bench/memory-probe.mjs, preloaded), median of three.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { firstAdminToken } from '../test/support/logwarden-process.js';

const IMAGE = 'logwarden-test/busybox:latest';
const LABEL = 'logwarden-bench-tail-memory';
const root = fileURLToPath(new URL('..', import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const steps = arg('steps', '0,50,200').split(',').map(Number);
const cycles = Number(arg('cycles', '2'));
const settleMs = Number(arg('settle-ms', '5000'));
/**
 * Builds to measure, comma-separated: each runs as its own process against the same
 * containers, so before/after (e.g. a copy of main's dist/) is measured side by side.
 */
const dists = arg('dist', 'dist').split(',');

const host = process.env.DOCKER_HOST ?? '';
if (!host.startsWith('unix://')) throw new Error('set DOCKER_HOST=unix://… (a throwaway engine)');
const engine = new Agent({ connect: { socketPath: host.slice('unix://'.length) } });

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await engine.request({
    origin: 'http://docker',
    path: `/v1.41${path}`,
    method: method as 'GET',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function startContainers(n: number): Promise<string[]> {
  const ids: string[] = [];
  await inParallel([...Array(n).keys()], 8, async () => {
    const { Id } = (await api('POST', '/containers/create', {
      Image: IMAGE,
      Cmd: ['sleep', '3600'],
      Labels: { [LABEL]: '1' },
      HostConfig: { NetworkMode: 'none' },
    })) as { Id: string };
    await api('POST', `/containers/${Id}/start`);
    ids.push(Id);
  });
  return ids;
}

async function removeContainers(ids: string[]): Promise<void> {
  await inParallel(ids, 8, async (id) => {
    await api('DELETE', `/containers/${id}?force=1`);
  });
}

async function removeLeftovers(): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ label: [LABEL] }));
  const list = (await api('GET', `/containers/json?all=1&filters=${filters}`)) as { Id: string }[];
  await removeContainers(list.map((c) => c.Id));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  rssKb: number;
  rssAnonKb: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  resources: Record<string, number>;
}

/** One measured `logwarden serve`. */
class Served {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'lw-tail-memory-'));
  private readonly probeOut = join(this.dataDir, 'probe.json');
  private readonly child;
  private stdout = '';
  private url = '';
  private token = '';

  constructor(readonly dist: string) {
    this.child = spawn(
      process.execPath,
      ['--expose-gc', '--import', './bench/memory-probe.mjs', join(dist, 'main.js'), 'serve'],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          LOGWARDEN_DATA_DIR: this.dataDir,
          LOGWARDEN_LISTEN: '127.0.0.1:0',
          LOGWARDEN_LOG_LEVEL: 'info',
          MEMORY_PROBE_OUT: this.probeOut,
          DOCKER_HOST: host,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => {
      // Only the start line is needed; keep the buffer small.
      if (!this.stdout.includes('logwarden started')) this.stdout += d;
    });
  }

  async ready(): Promise<void> {
    for (let i = 0; i < 2400 && !this.url; i++) {
      const line = this.stdout.split('\n').find((l) => l.includes('logwarden started'));
      if (line) this.url = (JSON.parse(line) as { address: string }).address;
      else if (this.child.exitCode !== null) break;
      else await sleep(50);
    }
    if (!this.url) throw new Error(`serve did not start:\n${this.stdout}`);
    const setup = readFileSync(join(this.dataDir, 'setup-token'), 'utf8').trim();
    this.token = await firstAdminToken(this.url, setup);
  }

  private async probeOnce(): Promise<Probe> {
    rmSync(this.probeOut, { force: true });
    this.child.kill('SIGUSR2');
    for (let i = 0; i < 400 && !existsSync(this.probeOut); i++) await sleep(25);
    await sleep(50);
    return JSON.parse(readFileSync(this.probeOut, 'utf8')) as Probe;
  }

  /** Median of three readings, each after a full GC. */
  async probe(): Promise<Probe> {
    const readings: Probe[] = [];
    for (let i = 0; i < 3; i++) {
      readings.push(await this.probeOnce());
      await sleep(1000);
    }
    readings.sort((a, b) => a.rssKb - b.rssKb);
    return readings[1]!;
  }

  private async following(): Promise<number> {
    const res = await fetch(`${this.url}/api/scanner/stats`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    const stats = (await res.json()) as { tails: { status: string }[] };
    return stats.tails.filter((t) => t.status === 'following').length;
  }

  async waitFollowing(n: number): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if ((await this.following()) === n) return;
      await sleep(500);
    }
    throw new Error(
      `${this.dist}: tails following never reached ${n} (now ${await this.following()})`,
    );
  }

  stop(): void {
    this.child.kill('SIGTERM');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function report(served: Served, label: string, containers: number, p: Probe) {
  const row = {
    name: 'tail memory',
    dist: served.dist,
    label,
    containers,
    rssMb: +(p.rssKb / 1024).toFixed(1),
    rssAnonMb: +(p.rssAnonKb / 1024).toFixed(1),
    heapUsedMb: +(p.heapUsed / 2 ** 20).toFixed(1),
    heapTotalMb: +(p.heapTotal / 2 ** 20).toFixed(1),
    externalMb: +(p.external / 2 ** 20).toFixed(1),
    arrayBuffersMb: +(p.arrayBuffers / 2 ** 20).toFixed(1),
    resources: p.resources,
    loadavg: loadavg().map((l) => +l.toFixed(2)),
  };
  console.log(JSON.stringify(row));
  return row;
}

const all = dists.map((d) => new Served(d));
async function settled(n: number): Promise<void> {
  for (const s of all) await s.waitFollowing(n);
  await sleep(settleMs);
}

try {
  await removeLeftovers();
  for (const s of all) await s.ready();
  const rows = new Map(all.map((s) => [s, [] as ReturnType<typeof report>[]]));
  const atRest = new Map(all.map((s) => [s, [] as number[]]));
  let running: string[] = [];
  for (const n of steps) {
    running.push(...(await startContainers(n - running.length)));
    await settled(n);
    for (const s of all) rows.get(s)!.push(report(s, 'idle', n, await s.probe()));
  }
  const max = Math.max(...steps);
  for (let c = 0; c < cycles; c++) {
    await removeContainers(running);
    running = [];
    await settled(0);
    for (const s of all)
      atRest.get(s)!.push(report(s, `cycle ${c + 1}: removed`, 0, await s.probe()).rssMb);
    if (c === cycles - 1) break;
    running = await startContainers(max);
    await settled(max);
    for (const s of all) report(s, `cycle ${c + 1}: running`, max, await s.probe());
  }
  for (const s of all) {
    const r = rows.get(s)!;
    const first = r[0]!;
    const last = r[r.length - 1]!;
    const span = last.containers - first.containers;
    console.log(
      JSON.stringify({
        name: 'tail memory summary',
        dist: s.dist,
        rssMbByContainers: Object.fromEntries(r.map((x) => [x.containers, x.rssMb])),
        heapUsedMbByContainers: Object.fromEntries(r.map((x) => [x.containers, x.heapUsedMb])),
        perTailKb: +(((last.rssMb - first.rssMb) * 1024) / span).toFixed(1),
        heapPerTailKb: +(((last.heapUsedMb - first.heapUsedMb) * 1024) / span).toFixed(1),
        atRestAfterCyclesMb: atRest.get(s),
        loadavg: loadavg().map((l) => +l.toFixed(2)),
      }),
    );
  }
} finally {
  for (const s of all) s.stop();
  await removeLeftovers().catch(() => undefined);
  await engine.close();
}
