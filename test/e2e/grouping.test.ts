import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient, type ApiEvent } from '../support/api-client.js';
import { removeContainers, runContainer, uniqueName, waitExit } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
let receiver: WebhookReceiver;
const created = new Set<string>();

interface Body {
  group?: {
    count: number;
    events: { container: { id: string; name: string | null } | null }[];
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-grouping-'));
  receiver = await startReceiver();
  const served = await serveForTest(dir, { LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true' });
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  await receiver.close();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

describe('grouping end to end (real engine, loopback receiver)', () => {
  it('five containers of one compose project exiting non-zero together make one notification naming all five', async () => {
    const project = uniqueName('grp');
    await api.post('/api/triggers', {
      name: 'crashes, grouped',
      filter: { sources: ['docker'], workloads: [project] },
      channel: { type: 'webhook', url: `${receiver.url}/hook` },
      group_wait_seconds: 20,
      group_interval_seconds: 300,
    });
    // They all exit at the same wall-clock second, however long starting them takes.
    const exitAt = Math.floor(Date.now() / 1000) + 10;
    const names = Array.from({ length: 5 }, (_, i) => `${project}-svc${i + 1}-1`);
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      const id = await runContainer(
        `while [ $(date +%s) -lt ${exitAt} ]; do sleep 0.2; done; echo "svc${i + 1} giving up"; exit 3`,
        {
          name,
          labels: {
            'com.docker.compose.project': project,
            'com.docker.compose.service': `svc${i + 1}`,
          },
        },
      );
      created.add(id);
      ids.push(id);
    }
    for (const id of ids) expect(await waitExit(id)).toBe(3);
    // Every crash is recorded, and what was waiting for them is sent.
    await eventually(async () => {
      const events = (
        await api.get<{ items: ApiEvent[] }>(`/api/events?workload=${project}&source=docker`)
      ).items.filter((e) => e.metadata.kind === 'crash');
      return events.length === 5 && receiver.requests.length > 0 ? true : undefined;
    }, 90_000);
    const pending = async () =>
      (await api.get<{ items: unknown[] }>('/api/deliveries?status=pending')).items.length;
    await eventually(async () => ((await pending()) === 0 ? true : undefined), 60_000);
    expect(receiver.requests).toHaveLength(1);
    const body = JSON.parse(receiver.requests[0]!.body) as Body;
    expect(body.group?.count).toBe(5);
    expect(body.group!.events.map((e) => e.container?.id).sort()).toEqual([...ids].sort());
    for (const name of names) expect(receiver.requests[0]!.body).toContain(name);
  }, 180_000);
});
