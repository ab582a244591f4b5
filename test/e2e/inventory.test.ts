import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../support/databases.js';
import {
  docker,
  dockerHost,
  removeContainers,
  runContainer,
  uniqueName,
  waitExit,
} from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { inventoryHarness } from '../support/inventory-harness.js';

let store: TestStore;
let inv: ReturnType<typeof inventoryHarness>;
const created = new Set<string>();

async function start(script: string, options: Parameters<typeof runContainer>[1] = {}) {
  const id = await runContainer(script, options);
  created.add(id);
  return id;
}

beforeAll(async () => {
  store = await openTestStore('sqlite');
  inv = inventoryHarness(store, dockerHost());
  // No periodic resync here: whatever the index learns comes from the events stream.
  inv.follower.start();
  await eventually(() => inv.follower.following, 30_000, 'the events stream');
});

afterAll(async () => {
  await inv.close();
  await removeContainers(created);
  await store.cleanup();
});

describe('inventory against a real engine', () => {
  it('indexes a compose container from the events stream, with its workload', async () => {
    const project = uniqueName('proj');
    const id = await start('sleep 30', {
      labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'web' },
    });
    const row = await eventually(async () => {
      const r = await inv.containers.get(id);
      return r?.state === 'running' ? r : undefined;
    });
    expect(row).toMatchObject({ workload_id: project, compose_service: 'web', tty: false });
    expect(await inv.workloads.get(project)).toMatchObject({ kind: 'compose', name: project });
    expect(inv.changes.some((c) => c.type === 'started' && c.container.id === id)).toBe(true);
  });

  it('marks a removed container missing', async () => {
    const id = await start('sleep 30');
    await eventually(async () => (await inv.containers.get(id))?.state === 'running');
    await docker('rm', '-f', id);
    await eventually(async () => (await inv.containers.get(id))?.state === 'missing');
    expect(inv.changes.some((c) => c.type === 'gone' && c.container.id === id)).toBe(true);
    expect(inv.eventsFor(id)).toEqual([]);
  });

  it('ignores a label naming an unregistered workload', async () => {
    const id = await start('sleep 30', { labels: { 'logwarden.workload': 'not-registered' } });
    const row = await eventually(async () => inv.containers.get(id).then((r) => r ?? undefined));
    expect(row.workload_id).toBeNull();
    expect(await inv.workloads.get('not-registered')).toBeNull();
  });

  it('records exit 1 as one error event with the last log lines', async () => {
    // Docker copies stdout and stderr separately; the pause makes their order certain.
    const id = await start('echo starting; sleep 0.1; echo "fatal: no config" >&2; exit 1');
    await waitExit(id);
    const [event] = await eventually(() => {
      const events = inv.eventsFor(id);
      return events.length > 0 ? events : undefined;
    });
    expect(event).toMatchObject({ source: 'docker', severity: 'error' });
    expect(event!.metadata).toMatchObject({ kind: 'crash', exit_code: 1 });
    expect(event!.metadata?.last_lines).toEqual(['starting', 'fatal: no config']);
    await inv.index.syncAll();
    expect(inv.eventsFor(id)).toHaveLength(1);
  });

  it('records one restart-loop event for a container that keeps restarting', async () => {
    const id = await start('sleep 0.2; exit 1', { extra: ['--restart', 'on-failure:5'] });
    await eventually(
      async () => (await inv.containers.get(id))?.restart_count === 5,
      30_000,
      'five restarts',
    );
    await waitExit(id);
    await eventually(async () => (await inv.containers.get(id))?.state === 'stopped');
    const loops = inv.eventsFor(id).filter((e) => e.metadata?.kind === 'restart_loop');
    expect(loops).toHaveLength(1);
    expect(loops[0]!.severity).toBe('error');
  });

  it('records an OOM kill as one critical event and no crash', async () => {
    const id = await start('x=$(head -c 60000000 /dev/zero | tr "\\0" a); echo ${#x}', {
      extra: ['-m', '8m', '--memory-swap', '8m'],
    });
    expect(await waitExit(id)).toBe(137);
    await eventually(async () => (await inv.containers.get(id))?.state === 'stopped');
    await eventually(() => inv.eventsFor(id).length > 0);
    await inv.index.syncAll();
    const events = inv.eventsFor(id);
    expect(events.map((e) => [e.severity, e.metadata?.kind])).toEqual([['critical', 'oom']]);
  });

  it('records no crash for a stop and remove cycle', async () => {
    const id = await start('sleep 30');
    await eventually(async () => (await inv.containers.get(id))?.state === 'running');
    await docker('stop', '-t', '1', id);
    await eventually(async () => (await inv.containers.get(id))?.state === 'stopped');
    expect((await inv.containers.get(id))?.exit_code).toBe(137);
    await docker('rm', id);
    await eventually(async () => (await inv.containers.get(id))?.state === 'missing');
    expect(inv.eventsFor(id)).toEqual([]);
  });
});
