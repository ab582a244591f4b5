import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
let url: string;
const created = new Set<string>();

async function start(script: string, options: Parameters<typeof runContainer>[1] = {}) {
  const id = await runContainer(script, options);
  created.add(id);
  return id;
}

interface Stats {
  tails: { container_id: string; lines: number; status: string; reconnects: number }[];
  reconnects: number;
}

const tailOf = async (id: string) =>
  (await api.get<Stats>('/api/scanner/stats')).tails.find((t) => t.container_id === id);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-scan-'));
  const served = await serveForTest(dir);
  ({ proc, url } = served);
  api = apiClient(url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

describe('scanner end to end', () => {
  it('turns a matching line into one event with its captures', async () => {
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `error code ${uniqueName()}`,
      pattern: 'ERROR (?P<code>\\d+)',
      severity: 'error',
      stream: 'both',
      scope: 'global',
    });
    const id = await start('sleep 0.5; echo "ERROR 42 disk full" >&2; sleep 30');
    const events = await eventually(async () => {
      const items = await api.allEvents(`source=logscan&container=${id}`);
      return items.length > 0 ? items : undefined;
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      severity: 'error',
      message: 'ERROR 42 disk full',
      rule_id: rule.id,
      container_id: id,
    });
    expect(events[0]!.metadata).toMatchObject({
      captures: { code: '42' },
      stream: 'stderr',
      rule_name: expect.stringContaining('error code') as unknown,
    });
    await api.delete(`/api/rules/${rule.id}`);
  });

  it('a disabled override silences a global rule for one workload only', async () => {
    const global = await api.post<{ id: number }>('/api/rules', {
      name: `oops ${uniqueName()}`,
      pattern: 'OOPS-(\\d+)',
      scope: 'global',
      cooldown_seconds: 0,
    });
    const workload = uniqueName('quiet');
    await api.post('/api/workloads', { id: workload, name: workload });
    await api.post('/api/rules', {
      name: 'silence oops',
      pattern: 'OOPS-(\\d+)',
      scope: 'workload',
      workload_id: workload,
      overrides_rule_id: global.id,
      enabled: false,
    });
    const quiet = await start('sleep 0.5; echo OOPS-1; sleep 30', {
      labels: { 'logwarden.workload': workload },
    });
    const loud = await start('sleep 0.5; echo OOPS-2; sleep 30');
    await eventually(
      async () => (await api.allEvents(`container=${loud}&rule=${global.id}`)).length === 1,
    );
    await eventually(async () => ((await tailOf(quiet))?.lines ?? 0) >= 1);
    expect(await api.allEvents(`container=${quiet}&source=logscan`)).toEqual([]);
    await api.delete(`/api/rules/${global.id}`);
  });

  it('applies an edited rule to running tails without restarting them', async () => {
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `tick ${uniqueName()}`,
      pattern: 'NEVER-MATCHES-ANYTHING',
      scope: 'global',
      cooldown_seconds: 0,
    });
    const id = await start('i=0; while true; do i=$((i+1)); echo "TICK $i"; sleep 0.1; done');
    await eventually(async () => ((await tailOf(id))?.lines ?? 0) >= 3);
    const before = (await tailOf(id))!;
    expect(await api.allEvents(`container=${id}`)).toEqual([]);
    await api.patch(`/api/rules/${rule.id}`, { pattern: 'TICK (?<n>\\d+)' });
    const events = await eventually(async () => {
      const items = await api.allEvents(`container=${id}&rule=${rule.id}`);
      return items.length >= 3 ? items : undefined;
    });
    expect(events[0]!.metadata.captures).toHaveProperty('n');
    expect((await tailOf(id))?.status).toBe('following');
    // The same tail: it never reconnected and its line count kept growing.
    const after = (await tailOf(id))!;
    expect(after.reconnects).toBe(before.reconnects);
    expect(after.lines).toBeGreaterThan(before.lines);
    await api.delete(`/api/rules/${rule.id}`);
  });

  it('loses and repeats nothing when stdout and stderr interleave', async () => {
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `mix ${uniqueName()}`,
      pattern: 'MIX (\\w+)',
      scope: 'global',
      cooldown_seconds: 0,
    });
    const id = await start(
      'sleep 0.5; i=0; while [ $i -lt 150 ]; do echo "MIX o$i"; echo "MIX e$i" >&2; i=$((i+1)); done; sleep 30',
    );
    const expected = Array.from({ length: 150 }, (_, i) => [`MIX o${i}`, `MIX e${i}`]).flat();
    const events = await eventually(async () => {
      const items = await api.allEvents(`container=${id}&rule=${rule.id}`);
      return items.length >= expected.length ? items : undefined;
    }, 30_000);
    expect(events.map((e) => e.message).sort()).toEqual(expected.sort());
    await api.delete(`/api/rules/${rule.id}`);
  });

  it('matches a 1 MiB line against (a+)+$ in linear time while /healthz answers', async () => {
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: `redos ${uniqueName()}`,
      pattern: '(a+)+$',
      scope: 'global',
      cooldown_seconds: 0,
    });
    const id = await start(
      "sleep 0.5; i=0; while [ $i -lt 20 ]; do head -c 1048575 /dev/zero | tr '\\0' a; echo b; i=$((i+1)); done; sleep 30",
    );
    // While twenty 1 MiB lines are matched, the event loop keeps serving.
    let answered = 0;
    const watch = (async () => {
      while (((await tailOf(id))?.lines ?? 0) < 20) {
        const res = await fetch(`${url}/healthz`);
        if (res.status === 200) answered++;
      }
    })();
    await watch;
    expect(answered).toBeGreaterThan(0);
    // The lines end in "b": no match, and no event.
    expect(await api.allEvents(`container=${id}&rule=${rule.id}`)).toEqual([]);
    await api.delete(`/api/rules/${rule.id}`);
  }, 90_000);
});
