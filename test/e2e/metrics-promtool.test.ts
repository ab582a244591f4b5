import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer, waitExit } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

/** Prometheus's own linter (Debian's `prometheus` package) over a text exposition. */
function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics']);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
const created = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-promtool-'));
  const served = await serveForTest(dir);
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  if (proc) await stopServed(proc);
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

describe('/metrics', () => {
  it('passes `promtool check metrics`', async () => {
    // Something in every family kind: an event recorded, HTTP requests timed.
    const id = await runContainer('exit 4');
    created.add(id);
    await waitExit(id);
    await eventually(async () => (await api.allEvents(`container=${id}`)).length > 0);
    const text = await api.text('/metrics');
    expect(text).toContain('logwarden_events_recorded_total{');
    expect(text).toContain('logwarden_http_request_duration_seconds_bucket{');
    expect(text).toContain('nodejs_active_handles_all ');

    const { code, output } = await promtoolCheck(text);
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
