import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient } from '../support/api-client.js';
import { docker, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
let receiver: WebhookReceiver;
const created = new Set<string>();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Short quiet periods so that incidents resolve within the test. */
const RESOLVE_AFTER_SECONDS = 30;

interface Payload {
  type: string;
  transition: string;
  event: { id: number; container: { id: string } | null; metadata: Record<string, unknown> };
  incident: {
    id: number;
    key: string;
    state: string;
    count: number;
    first_seen: string;
    last_seen: string;
    resolved_at: string | null;
    duration_seconds: number;
  } | null;
}

interface Incident {
  id: number;
  key: string;
  state: string;
  count: number;
  resolve_reason: string | null;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-incidents-'));
  receiver = await startReceiver();
  const served = await serveForTest(dir, {
    LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true',
    LOGWARDEN_INCIDENTS_RESOLVE_AFTER_SECONDS: String(RESOLVE_AFTER_SECONDS),
    LOGWARDEN_INCIDENTS_SWEEP_SECONDS: '1',
  });
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  await receiver.close();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

/** What the receiver got on `path`, in order. */
const payloads = (path: string) =>
  receiver.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body) as Payload);

const incidentsOf = async (container: string) =>
  (await api.get<{ items: Incident[] }>(`/api/incidents?container=${container}`)).items;

describe('incidents end to end (real engine, loopback receiver)', () => {
  it('a container crashing in a restart loop for a minute is one incident: one opened, one resolved, with its count', async () => {
    await api.post('/api/triggers', {
      name: 'crashes',
      // Crashes and restart loops (error), not the container going missing (warn).
      filter: { sources: ['docker'], severities: ['error'] },
      channel: { type: 'webhook', url: `${receiver.url}/crash` },
    });
    // Docker doubles the delay between restarts: about ten restarts in a minute.
    const id = await runContainer('echo failing; exit 1', { extra: ['--restart', 'always'] });
    created.add(id);
    const mine = () => payloads('/crash').filter((p) => p.event.container?.id === id);
    await eventually(() => mine().length > 0 || undefined, 60_000, 'the opened notification');
    // Let it crash for a minute, then stop it for good (an intended stop is no crash).
    await pause(60_000);
    const restarts = Number(await docker('inspect', '--format', '{{.RestartCount}}', id));
    expect(restarts).toBeGreaterThanOrEqual(5);
    await docker('update', '--restart', 'no', id);
    await docker('stop', '-t', '1', id);

    const resolved = await eventually(
      async () => mine().find((p) => p.transition === 'resolved'),
      RESOLVE_AFTER_SECONDS * 1000 + 90_000,
      'the resolved notification',
    );
    const [incident, ...others] = await incidentsOf(id);
    expect(others.filter((i) => i.key === `crash:${id}`)).toEqual([]);
    expect(incident).toMatchObject({
      key: `crash:${id}`,
      state: 'resolved',
      resolve_reason: 'quiet',
    });
    expect(mine().map((p) => p.type)).toEqual(['incident.opened', 'incident.resolved']);
    const opened = mine()[0]!;
    expect(opened.incident).toMatchObject({ id: incident!.id, state: 'open' });
    // Every crash event before the loop was seen, and the loop itself, in one incident.
    const events = (
      await api.get<{ items: { metadata: { kind?: string } }[] }>(
        `/api/events?incident=${incident!.id}`,
      )
    ).items;
    expect(events.map((e) => e.metadata.kind)).toContain('restart_loop');
    expect(resolved.incident).toMatchObject({
      id: incident!.id,
      key: `crash:${id}`,
      state: 'resolved',
      count: incident!.count,
    });
    expect(resolved.incident!.count).toBe(events.length);
    // It stayed open for the minute of crashing.
    expect(resolved.incident!.duration_seconds).toBeGreaterThanOrEqual(60);
  }, 300_000);

  it('a flood of 10 000 matching lines is one incident and one opened notification', async () => {
    const needle = `FLOOD${Date.now().toString(36)}`;
    await api.post('/api/rules', {
      name: 'flood',
      pattern: `${needle} \\d+`,
      severity: 'error',
      cooldown_seconds: 0,
    });
    await api.post('/api/triggers', {
      name: 'flood',
      filter: { sources: ['logscan'], message_regex: needle },
      notify_on: ['opened', 'resolved'],
      channel: { type: 'webhook', url: `${receiver.url}/flood` },
    });
    const id = await runContainer(
      `i=0; while [ $i -lt 10000 ]; do echo "${needle} $i"; i=$((i+1)); done; sleep 3600`,
    );
    created.add(id);
    const hits = async () =>
      (await api.get<{ items: unknown[] }>(`/api/events?container=${id}&source=logscan&limit=1`))
        .items.length;
    await eventually(async () => ((await hits()) > 0 ? true : undefined), 60_000, 'the first hit');
    // Wait until the scanner has recorded what it will of the flood (the count settles).
    const incident = await eventually(
      async () => {
        const [before] = await incidentsOf(id);
        await pause(3_000);
        const [after] = await incidentsOf(id);
        return before && after && before.count === after.count ? after : undefined;
      },
      180_000,
      'the incident’s count to settle',
    );
    expect(await incidentsOf(id)).toHaveLength(1);
    expect(incident.count).toBeGreaterThan(1);
    const flood = payloads('/flood').filter((p) => p.event.container?.id === id);
    expect(flood.map((p) => p.type)).toEqual(['incident.opened']);
    expect(flood[0]!.incident).toMatchObject({
      id: incident.id,
      key: expect.stringMatching(/^rule:\d+:container:/),
    });
  }, 300_000);
});
