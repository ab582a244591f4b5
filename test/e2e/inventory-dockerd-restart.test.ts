import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../support/databases.js';
import { dockerAt, TEST_IMAGE } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { startExtraEngine, type ExtraEngine } from '../support/extra-engine.js';
import { inventoryHarness } from '../support/inventory-harness.js';

/** A dockerd of this file's own: restarting it does not disturb the shared engine. */
let engine: ExtraEngine;
let host: string;

const sleeper = (name: string) =>
  dockerAt(host, 'run', '-d', '--network', 'none', '--name', name, TEST_IMAGE, 'sleep', '300');

let store: TestStore;
let inv: ReturnType<typeof inventoryHarness>;

beforeAll(async () => {
  engine = await startExtraEngine('restart');
  host = engine.host;
  store = await openTestStore('sqlite');
  inv = inventoryHarness(store, host);
  inv.follower.start();
  await eventually(() => inv.follower.following, 30_000, 'the events stream');
}, 180_000);

afterAll(async () => {
  await inv?.close();
  await store?.cleanup();
  await engine?.stop().catch(() => undefined);
}, 120_000);

describe('inventory across a dockerd restart', () => {
  it('resumes following and catches up without restarting Logwarden', async () => {
    const before = await sleeper('before-restart');
    await eventually(async () => (await inv.containers.get(before))?.state === 'running');

    await engine.kill();
    await eventually(() => !inv.follower.following, 30_000, 'the follower to notice');
    await engine.restart();

    // Changes right after the restart, racing the follower's reconnect.
    const after = await sleeper('after-restart');
    await dockerAt(host, 'rm', '-f', before);

    await eventually(async () => (await inv.containers.get(after))?.state === 'running', 30_000);
    await eventually(async () => (await inv.containers.get(before))?.state === 'missing', 30_000);
    await eventually(() => inv.follower.following, 30_000, 'the events stream again');

    // And it keeps following: a change now arrives from the new stream.
    await dockerAt(host, 'stop', '-t', '0', after);
    await eventually(async () => (await inv.containers.get(after))?.state === 'stopped', 30_000);
    expect(inv.recorded.filter((e) => e.metadata?.kind === 'crash')).toEqual([]);
  }, 180_000);
});
