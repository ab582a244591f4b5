import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient, type ApiEvent } from '../support/api-client.js';
import { removeContainers, runContainer, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
let receiver: WebhookReceiver;
const created = new Set<string>();

interface Payload {
  event: { id: number; container: { id: string } | null };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-silences-'));
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

/** A compose-style container of `project` printing the needle every second. */
async function noisy(project: string, needle: string): Promise<string> {
  const id = await runContainer(`while true; do echo "${needle} from ${project}"; sleep 1; done`, {
    labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'app' },
  });
  created.add(id);
  return id;
}

const payloads = () => receiver.requests.map((r) => JSON.parse(r.body) as Payload);

async function hits(container: string): Promise<ApiEvent[]> {
  return (await api.get<{ items: ApiEvent[] }>(`/api/events?container=${container}&source=logscan`))
    .items;
}

describe('silences end to end (real engine, loopback receiver)', () => {
  it('a silence on a workload stops its notifications, events recorded and marked; others still notify; journaled', async () => {
    const needle = `SILENCE${Date.now().toString(36)}`;
    const quiet = uniqueName('quiet');
    const loud = uniqueName('loud');
    await api.post('/api/rules', {
      name: 'needle',
      pattern: needle,
      severity: 'error',
      cooldown_seconds: 0,
    });
    await api.post('/api/triggers', {
      name: 'receiver',
      filter: { message_regex: `^${needle}` },
      // One notification per line: what this counts (incidents have their own test).
      notify_on: ['event'],
      channel: { type: 'webhook', url: `${receiver.url}/hook` },
    });
    const silence = await api.post<{ id: number; state: string }>('/api/silences', {
      matchers: { workloads: [quiet] },
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'maintenance of the quiet workload',
    });
    expect(silence.state).toBe('active');

    const silenced = await noisy(quiet, needle);
    const notified = await noisy(loud, needle);

    // Both keep printing: wait for several hits of each, and notifications of the loud one.
    await eventually(async () => {
      const marked = (await hits(silenced)).filter((e) => e.silenced_by === silence.id);
      const sent = payloads().filter((p) => p.event.container?.id === notified);
      return marked.length >= 3 && sent.length >= 3 ? true : undefined;
    }, 60_000);
    const quietEvents = await hits(silenced);
    expect(quietEvents.length).toBeGreaterThanOrEqual(3);
    expect(quietEvents.every((e) => e.silenced_by === silence.id)).toBe(true);
    expect((await hits(notified)).every((e) => e.silenced_by === null)).toBe(true);
    expect(payloads().filter((p) => p.event.container?.id === silenced)).toEqual([]);

    const journal = await api.get<{
      items: { action: string; object: string; success: boolean }[];
    }>(`/api/audit?object=silence:${silence.id}`);
    expect(journal.items).toEqual([
      expect.objectContaining({ action: 'silence.create', success: true }),
    ]);
  }, 120_000);

  it('when the silence runs out, an incident it held back that is still open notifies once', async () => {
    const needle = `HELD${Date.now().toString(36)}`;
    const quiet = uniqueName('held');
    await api.post('/api/rules', {
      name: 'held needle',
      pattern: needle,
      severity: 'error',
      cooldown_seconds: 0,
    });
    await api.post('/api/triggers', {
      name: 'opened only',
      filter: { message_regex: `^${needle}` },
      notify_on: ['opened'],
      channel: { type: 'webhook', url: `${receiver.url}/opened` },
    });
    const silence = await api.post<{ id: number }>('/api/silences', {
      matchers: { workloads: [quiet] },
      ends_at: new Date(Date.now() + 15_000).toISOString(),
      comment: 'held back until it runs out',
    });
    const id = await noisy(quiet, needle);
    const opened = () =>
      receiver.requests
        .filter((r) => r.path === '/opened')
        .map((r) => JSON.parse(r.body) as { type: string; incident: { id: number } | null });
    // Silenced while it lasts: recorded and marked, nothing sent.
    await eventually(async () => {
      const marked = (await hits(id)).filter((e) => e.silenced_by === silence.id);
      return marked.length >= 2 ? true : undefined;
    }, 60_000);
    expect(opened()).toEqual([]);
    // It runs out: the incident, still open, notifies that it opened.
    await eventually(() => (opened().length > 0 ? true : undefined), 60_000);
    // Later hits join the open incident: still the one notice.
    await eventually(async () => {
      const after = (await hits(id)).filter((e) => e.silenced_by === null);
      return after.length >= 3 ? true : undefined;
    }, 60_000);
    expect(opened()).toHaveLength(1);
    expect(opened()[0]!.type).toBe('incident.opened');
    const journal = await api.get<{ items: { action: string; actor: string }[] }>(
      `/api/audit?object=silence:${silence.id}`,
    );
    expect(journal.items.map((e) => [e.action, e.actor])).toContainEqual([
      'silence.expire',
      'system',
    ]);
  }, 180_000);
});
