import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstAdminToken } from '../../test/support/logwarden-process.js';
import { cpuSeconds, rssBytes } from './proc-stat.js';

/** A `logwarden serve` of the measured checkout (its built dist/main.js). */
export interface Served {
  pid: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  cpuSeconds(): number;
  rssBytes(): number;
  /** Resident and heap bytes right after two forced collections (bench/memory-probe.mjs). */
  memoryAfterGc(): Promise<{ rss: number; heapUsed: number }>;
}

/** Preloaded into the measured process: answers SIGUSR2 with its memory after a GC. */
const MEMORY_PROBE = fileURLToPath(new URL('../memory-probe.mjs', import.meta.url));

export interface ServeOptions {
  /** The checkout whose dist/main.js runs. */
  target: string;
  dataDir: string;
  dockerHost: string;
  env?: Record<string, string>;
  /** Where the served process writes its `--cpu-prof` profile on exit; none when unset. */
  cpuProfDir?: string;
}

/** The environment without the caller's LOGWARDEN_* and DOCKER_HOST. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('LOGWARDEN_') && k !== 'DOCKER_HOST') env[k] = v;
  return { ...env, ...extra };
}

export async function serve(options: ServeOptions): Promise<Served> {
  const probeOut = join(options.dataDir, 'memory-probe.json');
  const profile = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
  const args = [
    '--expose-gc',
    ...profile,
    '--import',
    MEMORY_PROBE,
    join(options.target, 'dist/main.js'),
  ];
  const child = spawn(process.execPath, [...args, 'serve'], {
    cwd: options.target,
    env: cleanEnv({
      MEMORY_PROBE_OUT: probeOut,
      LOGWARDEN_DATA_DIR: options.dataDir,
      LOGWARDEN_LISTEN: '127.0.0.1:0',
      DOCKER_HOST: options.dockerHost,
      // Every hit counts: the per-container token bucket must not drop any.
      LOGWARDEN_SCANNER_RATE_PER_SECOND: '1000000',
      LOGWARDEN_SCANNER_BURST: '1000000',
      LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true',
      ...options.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out = (out + d).slice(-64 * 1024);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out = (out + d).slice(-64 * 1024);
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  let url: string | null = null;
  while (!url) {
    for (const line of out.split('\n'))
      if (line.includes('logwarden started'))
        url = (JSON.parse(line) as { address: string }).address;
    if (url) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`logwarden serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  return {
    pid,
    url,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => rssBytes(pid),
    async memoryAfterGc() {
      rmSync(probeOut, { force: true });
      child.kill('SIGUSR2');
      for (let waited = 0; !existsSync(probeOut); waited += 50) {
        if (waited > 30_000) throw new Error('the memory probe did not answer');
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 50)); // the one write completes
      const m = JSON.parse(readFileSync(probeOut, 'utf8')) as { rssKb: number; heapUsed: number };
      return { rss: m.rssKb * 1024, heapUsed: m.heapUsed };
    },
  };
}

/** An admin API token for a fresh data directory (setup token → first admin → token). */
export async function adminToken(url: string, dataDir: string): Promise<string> {
  const setupToken = readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
  return firstAdminToken(url, setupToken);
}

/** The few API calls the bench makes. */
export class Api {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  get = <T>(path: string) => this.call<T>('GET', path);
  post = <T>(path: string, body: unknown) => this.call<T>('POST', path, body);
  delete = async (path: string): Promise<void> => {
    const res = await fetch(`${this.url}${path}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (!res.ok) throw new Error(`DELETE ${path} → ${res.status}`);
  };

  /** Lines the scanner has read since the process started. */
  async linesScanned(): Promise<number> {
    return (await this.get<{ lines_scanned: number }>('/api/scanner/stats')).lines_scanned;
  }

  async activeTails(): Promise<number> {
    return (await this.get<{ active_tails: number }>('/api/scanner/stats')).active_tails;
  }
}
