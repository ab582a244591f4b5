import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startExtraEngine, type ExtraEngine } from '../support/extra-engine.js';
import { serveFresh, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

/** A throwaway dockerd of this file's own: stopping it disturbs no other test. */
let engine: ExtraEngine;

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
  engine = await startExtraEngine('unreachable');
  dataDir = mkdtempSync(join(tmpdir(), 'lw-unreach-'));
  ({ proc, url } = await serveFresh(dataDir, { DOCKER_HOST: engine.host }));
}, 180_000);

afterAll(async () => {
  if (proc) await stopServed(proc);
  await engine?.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('Docker going away and coming back', () => {
  it('is reported at once, logged once, and logged again on recovery', async () => {
    await eventually(async () => (await readyz(url)).status === 200, 30_000, 'ready');

    await engine.kill();
    const goneAt = Date.now();
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

    await engine.restart();
    await eventually(async () => (await readyz(url)).status === 200, 60_000, 'ready again');
    await eventually(() => logged('docker engine reachable again').length > 0, 10_000);
    expect(logged('docker engine unreachable')).toHaveLength(1);
    expect(logged('docker engine reachable again')).toHaveLength(1);
  }, 240_000);
});
