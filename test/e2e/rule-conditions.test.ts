import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiEvent } from '../support/api-client.js';
import {
  docker,
  printInContainer,
  removeContainers,
  runContainer,
  waitExit,
} from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-conditions-'));
const created = new Set<string>();
let proc: LogwardenProcess | null = null;
let api: ReturnType<typeof apiClient>;

async function serve() {
  const served = await serveForTest(dir);
  proc = served.proc;
  api = apiClient(served.url, served.token);
}

beforeAll(serve);

afterAll(async () => {
  if (proc) await stopServed(proc, 'SIGKILL');
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

const token = () => randomBytes(4).toString('hex');

async function run(script: string): Promise<string> {
  const id = await runContainer(script);
  created.add(id);
  return id;
}

const eventsOf = (ruleId: number, containerId?: string) =>
  api
    .allEvents(`rule=${ruleId}`)
    .then((list) =>
      containerId === undefined ? list : list.filter((e) => e.container_id === containerId),
    );

/**
 * A plain rule on a line each container prints last: once its event is recorded, every
 * line before it in that container has been matched and committed.
 */
async function doneRule(tok: string) {
  return api.post<{ id: number }>('/api/rules', {
    name: `done ${tok}`,
    pattern: `DONE-${tok}`,
    cooldown_seconds: 0,
  });
}

const waitDone = (ruleId: number, containerId: string) =>
  eventually(
    async () => (await eventsOf(ruleId, containerId)).length > 0,
    120_000,
    `the last line of ${containerId}`,
  );

describe('count conditions', () => {
  it('five matching lines in ten seconds fire once per container; four do not', async () => {
    const tok = token();
    const rule = await api.post<{ id: number; condition: unknown }>('/api/rules', {
      name: `burst ${tok}`,
      pattern: `BURST-${tok}`,
      cooldown_seconds: 0,
      condition: { type: 'count', threshold: 5, window_seconds: 10, group_by: 'container' },
    });
    expect(rule.condition).toEqual({
      type: 'count',
      threshold: 5,
      window_seconds: 10,
      group_by: 'container',
    });
    const done = await doneRule(tok);
    const burst = (n: number) =>
      `for i in $(seq ${n}); do echo "BURST-${tok} $i"; done; echo DONE-${tok}; sleep 3600`;
    const five = await run(burst(5));
    const four = await run(burst(4));
    await waitDone(done.id, five);
    await waitDone(done.id, four);

    const fires = await eventsOf(rule.id);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({
      source: 'logscan',
      container_id: five,
      message: `BURST-${tok} 5`,
      metadata: { group_key: `container:${five}`, count: 5, window_seconds: 10 },
    });
  });

  it('counts per named capture: two client IPs are counted apart', async () => {
    const tok = token();
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `requests ${tok}`,
      pattern: `REQ-${tok} n=\\d+ from (?P<ip>[0-9.]+)`,
      cooldown_seconds: 0,
      condition: { type: 'count', threshold: 3, window_seconds: 10, group_by: 'capture:ip' },
    });
    const done = await doneRule(tok);
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.2', '10.0.0.1'];
    const id = await run(
      `${ips.map((ip, i) => `echo "REQ-${tok} n=${i + 1} from ${ip}"`).join('; ')}; echo DONE-${tok}; sleep 3600`,
    );
    await waitDone(done.id, id);
    const fires = await eventsOf(rule.id);
    // Together the five lines would have fired on the third; apart, only 10.0.0.1 has three.
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({
      message: `REQ-${tok} n=5 from 10.0.0.1`,
      metadata: { group_key: 'capture:ip=10.0.0.1', captures: { ip: '10.0.0.1' } },
    });
  });

  it('carries the count on through kill -9 of Logwarden: exactly one fire', async () => {
    const tok = token();
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `slow burst ${tok}`,
      pattern: `SLOW-${tok}`,
      cooldown_seconds: 0,
      // A long window: the restart in the middle of it takes what it takes.
      condition: { type: 'count', threshold: 5, window_seconds: 600, group_by: 'container' },
    });
    const done = await doneRule(tok);
    const id = await run('sleep 3600');
    await eventually(
      async () => {
        const stats = await api.get<{ tails: { container_id: string; status: string }[] }>(
          '/api/scanner/stats',
        );
        return stats.tails.some((t) => t.container_id === id && t.status === 'following');
      },
      60_000,
      'the tail to follow',
    );
    for (let i = 1; i <= 3; i++) await printInContainer(id, `SLOW-${tok} ${i}`);
    await eventually(
      async () => {
        const stats = await api.get<{
          tails: { container_id: string; lines: number; cursors: Record<string, unknown> }[];
        }>('/api/scanner/stats');
        const tail = stats.tails.find((t) => t.container_id === id);
        return tail !== undefined && tail.lines >= 3;
      },
      60_000,
      'three lines read',
    );
    // Give the lazy cursor flush (1 s) its turn, so the count is stored before the kill.
    await new Promise((r) => setTimeout(r, 2_500));
    await stopServed(proc!, 'SIGKILL');
    proc = null;
    await serve();

    await printInContainer(id, `SLOW-${tok} 4`);
    await printInContainer(id, `DONE-${tok}`);
    await waitDone(done.id, id);
    expect(await eventsOf(rule.id)).toHaveLength(0);

    await printInContainer(id, `SLOW-${tok} 5`);
    await eventually(async () => (await eventsOf(rule.id)).length > 0, 120_000, 'the fire');
    // The line after the fire is committed after it: then there is nothing more to come.
    await printInContainer(id, `DONE-${tok} again`);
    await eventually(async () => (await eventsOf(done.id, id)).length >= 2, 120_000, 'done');
    const fires = await eventsOf(rule.id);
    expect(fires).toHaveLength(1);
    expect(fires[0]).toMatchObject({ message: `SLOW-${tok} 5`, metadata: { count: 5 } });
  });
});

describe('absence conditions', () => {
  it('fires when a running container stops its heartbeat, resolves when it returns; never for a stopped container', async () => {
    // Earlier containers would be watched too (the rule is global): not needed any more.
    await removeContainers(created);
    created.clear();
    const tok = token();
    const window = 5;
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `heartbeat ${tok}`,
      pattern: `HEARTBEAT-${tok}`,
      severity: 'error',
      condition: { type: 'absence', window_seconds: window },
    });
    // Beats three times and exits: stopped, it must never fire.
    const stopped = await run(`for i in 1 2 3; do echo HEARTBEAT-${tok}; sleep 1; done`);
    const beating = await run(
      `touch /tmp/on; while :; do [ -f /tmp/on ] && echo HEARTBEAT-${tok}; sleep 1; done`,
    );
    expect(await waitExit(stopped)).toBe(0);

    await docker('exec', beating, 'rm', '/tmp/on');
    const fired = await eventually(
      async () => (await eventsOf(rule.id, beating)).find((e) => e.severity === 'error'),
      120_000,
      'the absence to fire',
    );
    expect(fired.metadata).toMatchObject({
      condition: 'absence',
      group_key: `container:${beating}`,
      window_seconds: window,
    });
    // Never early: at least the window after the last heartbeat Docker holds.
    const beats = (await docker('logs', '--timestamps', beating)).trim().split('\n');
    const lastBeat = Date.parse(beats[beats.length - 1]!.split(' ')[0]!);
    expect(Date.parse(fired.created_at) - lastBeat).toBeGreaterThanOrEqual(window * 1000);

    await docker('exec', beating, 'touch', '/tmp/on');
    const resolved = await eventually(
      async () => (await eventsOf(rule.id, beating)).find((e) => e.metadata.resolves === true),
      120_000,
      'the absence to resolve',
    );
    expect(resolved).toMatchObject({
      severity: 'info',
      metadata: { group_key: `container:${beating}`, resolves: true },
    });
    // The "heartbeat back" event resolves the incident the absence opened.
    const incident = await eventually(
      async () => {
        const page = await api.get<{
          items: { key: string; state: string; resolved_by_event_id: number | null }[];
        }>(`/api/incidents?rule=${rule.id}`);
        return page.items.find(
          (i) => i.key === `rule:${rule.id}:container:${beating}` && i.state === 'resolved',
        );
      },
      60_000,
      'the incident to resolve',
    );
    expect(incident.resolved_by_event_id).toBe(resolved.id);
    // Exactly one fire for the whole silence.
    const all: ApiEvent[] = await eventsOf(rule.id, beating);
    expect(all.filter((e) => e.severity === 'error')).toHaveLength(1);
    // The stopped container has been stopped for longer than the window by now.
    expect(await eventsOf(rule.id, stopped)).toEqual([]);
  });
});
