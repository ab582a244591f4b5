import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer, waitExit } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
const created = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-inv-'));
  let url: string;
  const served = await serveForTest(dir);
  ({ proc, url } = served);
  api = apiClient(url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

describe('logwarden serve: inventory and event log', () => {
  it('indexes a crashing container and serves its crash event', async () => {
    const id = await runContainer('echo bye; exit 3', { labels: { app: 'served' } });
    created.add(id);
    await waitExit(id);
    const container = await eventually(async () => {
      const c = await api
        .get<{ state: string; exit_code: number }>(`/api/containers/${id}`)
        .catch(() => undefined);
      return c?.state === 'stopped' ? c : undefined;
    });
    expect(container.exit_code).toBe(3);
    const events = await eventually(async () => {
      const items = await api.allEvents(`source=docker&container=${id}`);
      return items.length > 0 ? items : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ severity: 'error', container_id: id });
    expect(events[0]!.metadata).toMatchObject({ kind: 'crash', exit_code: 3, last_lines: ['bye'] });
  });
});
