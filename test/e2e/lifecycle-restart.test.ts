import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerEvent } from '../../src/docker/index.js';
import { apiClient } from '../support/api-client.js';
import { openTestStore, type TestStore } from '../support/databases.js';
import {
  docker,
  dockerHost,
  removeContainers,
  runContainer,
  waitExit,
} from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { inventoryHarness } from '../support/inventory-harness.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const created = new Set<string>();

afterAll(async () => {
  await removeContainers(created);
});

async function restartCount(id: string): Promise<number> {
  return Number(await docker('inspect', '--format', '{{.RestartCount}}', id));
}

describe('lifecycle events across a restart of Logwarden', () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await openTestStore('sqlite');
  });

  afterAll(async () => {
    await store?.cleanup();
  });

  it('does not record a crash again when Docker replays its die event', async () => {
    const first = inventoryHarness(store, dockerHost());
    first.follower.start();
    await eventually(() => first.follower.following, 30_000, 'the events stream');
    const startedAt = Date.now();
    const id = await runContainer('echo failing; exit 5');
    created.add(id);
    await waitExit(id);
    await eventually(() => first.eventsFor(id).length > 0, 30_000, 'the crash');
    expect(first.eventsFor(id).map((e) => e.metadata?.kind)).toEqual(['crash']);
    await first.close();

    // The next Logwarden on the same database, resuming Docker's events from before the
    // crash (as it does after a reconnect or a short restart): the die comes again.
    const second = inventoryHarness(store, dockerHost());
    await second.index.syncAll();
    const history = await second.docker.events({
      sinceNanos: BigInt(startedAt - 1_000) * 1_000_000n,
      until: Date.now() / 1000,
      filters: { container: [id] },
    });
    const replayed: DockerEvent[] = [];
    for await (const event of history) {
      replayed.push(event);
      await second.index.applyEvent(event);
    }
    expect(replayed.map((e) => e.Action)).toContain('die');
    expect(second.eventsFor(id)).toEqual([]);
    await second.close();
  });
});

describe('a restart loop across a restart of `logwarden serve`', () => {
  let dir: string;
  let proc: LogwardenProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lw-loop-'));
  });

  afterAll(async () => {
    if (proc) await stopServed(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is reported once, not again by the restarted Logwarden', async () => {
    let served = await serveForTest(dir);
    proc = served.proc;
    let api = apiClient(served.url, served.token);
    // Docker doubles the delay between restarts (0.1 s, 0.2 s, 0.4 s…).
    const id = await runContainer('sleep 0.3; exit 1', { extra: ['--restart', 'always'] });
    created.add(id);
    const loops = async () =>
      (await api.allEvents(`source=docker&container=${id}`)).filter(
        (e) => e.metadata?.kind === 'restart_loop',
      );
    await eventually(async () => (await loops()).length > 0, 60_000, 'the restart loop event');

    await stopServed(proc);
    // While Logwarden is down the loop goes on: three more restarts, which alone would
    // make a loop for a Logwarden that forgot the one it reported.
    const atStop = await restartCount(id);
    await eventually(async () => (await restartCount(id)) >= atStop + 3, 60_000, 'restarts');

    served = await serveForTest(dir);
    proc = served.proc;
    api = apiClient(served.url, served.token);
    const seenAfter = await restartCount(id);
    await eventually(
      async () => {
        const row = await api.get<{ restart_count: number }>(`/api/containers/${id}`);
        return row.restart_count > seenAfter;
      },
      60_000,
      'a restart seen by the restarted Logwarden',
    );
    expect(await loops()).toHaveLength(1);
  }, 240_000);
});
