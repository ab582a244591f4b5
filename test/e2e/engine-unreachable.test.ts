import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { serveFresh, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/test-docker.sh', import.meta.url));

/** A throwaway dockerd of this file's own: stopping it disturbs no other test. */
const engineDir = `/tmp/lwd-u${randomBytes(3).toString('hex')}`;
const host = `unix://${engineDir}/docker.sock`;

async function engine(command: 'start' | 'stop'): Promise<void> {
  await run('bash', [script, command], {
    env: { ...process.env, DOCKER_HOST: '', LOGWARDEN_TEST_DOCKER_DIR: engineDir },
    timeout: 120_000,
  });
}

/** Stops dockerd and resolves once its process is gone; returns that moment. */
async function killDockerd(): Promise<number> {
  const pid = Number(readFileSync(`${engineDir}/dockerd.pid`, 'utf8'));
  process.kill(pid, 'SIGTERM');
  await eventually(
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    60_000,
    'dockerd to exit',
  );
  return Date.now();
}

interface Readyz {
  ready: boolean;
  checks: { docker: { ok: boolean; error: string | null } };
}

async function readyz(url: string): Promise<{ status: number; body: Readyz }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readyz };
}

let dataDir: string;
let proc: LogwardenProcess;
let url: string;

/** The JSON log lines of the served Logwarden with this message. */
function logged(message: string): unknown[] {
  return proc.stdout
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string })
    .filter((entry) => entry.msg === message);
}

beforeAll(async () => {
  await engine('start');
  dataDir = mkdtempSync(join(tmpdir(), 'lw-unreach-'));
  ({ proc, url } = await serveFresh(dataDir, { DOCKER_HOST: host }));
}, 180_000);

afterAll(async () => {
  if (proc) await stopServed(proc);
  await engine('stop').catch(() => undefined);
  rmSync(engineDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('Docker going away and coming back', () => {
  it('is reported at once, logged once, and logged again on recovery', async () => {
    await eventually(async () => (await readyz(url)).status === 200, 30_000, 'ready');

    const goneAt = await killDockerd();
    const down = await eventually(
      async () => {
        const r = await readyz(url);
        return r.status === 503 ? r : undefined;
      },
      30_000,
      '/readyz to say Docker is unreachable',
    );
    // The periodic check runs every 15 s; the broken events stream tells at once. The
    // bound is generous for a loaded machine, and still well below that interval.
    expect(Date.now() - goneAt).toBeLessThan(5_000);
    expect(down.body.checks.docker.ok).toBe(false);
    expect(down.body.checks.docker.error).toMatch(/unreachable/);

    // Several reconnect attempts and checks later, still one line.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(logged('docker engine unreachable')).toHaveLength(1);

    await engine('start');
    await eventually(async () => (await readyz(url)).status === 200, 60_000, 'ready again');
    await eventually(() => logged('docker engine reachable again').length > 0, 10_000);
    expect(logged('docker engine unreachable')).toHaveLength(1);
    expect(logged('docker engine reachable again')).toHaveLength(1);
  }, 240_000);
});
