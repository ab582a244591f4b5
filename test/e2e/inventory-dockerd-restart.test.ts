import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../support/databases.js';
import { dockerAt, TEST_IMAGE } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { inventoryHarness } from '../support/inventory-harness.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/test-docker.sh', import.meta.url));

/**
 * A second throwaway dockerd of this file's own, so restarting it does not disturb the
 * engine the other test files share.
 */
const dir = `/tmp/lwd-r${randomBytes(3).toString('hex')}`;
const host = `unix://${dir}/docker.sock`;

async function engine(command: 'start' | 'stop'): Promise<void> {
  await run('bash', [script, command], {
    env: { ...process.env, DOCKER_HOST: '', LOGWARDEN_TEST_DOCKER_DIR: dir },
    timeout: 120_000,
  });
}

async function killDockerd(): Promise<void> {
  const pid = Number(readFileSync(`${dir}/dockerd.pid`, 'utf8'));
  process.kill(pid, 'SIGTERM');
  await eventually(
    () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    60_000,
    'dockerd to exit',
  );
}

const sleeper = (name: string) =>
  dockerAt(host, 'run', '-d', '--network', 'none', '--name', name, TEST_IMAGE, 'sleep', '300');

let store: TestStore;
let inv: ReturnType<typeof inventoryHarness>;

beforeAll(async () => {
  await engine('start');
  store = await openTestStore('sqlite');
  inv = inventoryHarness(store, host);
  inv.follower.start();
  await eventually(() => inv.follower.following, 30_000, 'the events stream');
}, 180_000);

afterAll(async () => {
  await inv?.close();
  await store?.cleanup();
  await engine('stop').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('inventory across a dockerd restart', () => {
  it('resumes following and catches up without restarting Logwarden', async () => {
    const before = await sleeper('before-restart');
    await eventually(async () => (await inv.containers.get(before))?.state === 'running');

    await killDockerd();
    await eventually(() => !inv.follower.following, 30_000, 'the follower to notice');
    await engine('start');

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
