import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerEvent } from '../../src/docker/index.js';
import { openTestStore, type TestStore } from '../support/databases.js';
import { docker, dockerHost, TEST_IMAGE, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { inventoryHarness } from '../support/inventory-harness.js';

const run = promisify(execFile);

/**
 * Debian's docker-compose (1.29) recreates a service by stopping the old container,
 * renaming it to `<id>_<name>`, creating and starting the new one under the old name and
 * then removing the old one: a burst of events for two containers per service, while the
 * periodic full pass keeps listing and inspecting the same containers.
 */
const SERVICES = ['web', 'api', 'worker'];
const CYCLES = 20;

const project = uniqueName('lwc').replace('-', '');
let dir: string;
let store: TestStore;
let inv: ReturnType<typeof inventoryHarness>;

function compose(...args: string[]) {
  return run('docker-compose', ['-p', project, ...args], {
    cwd: dir,
    env: { ...process.env, DOCKER_HOST: dockerHost() },
    timeout: 120_000,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-compose-'));
  const service = (name: string) =>
    [
      `  ${name}:`,
      `    image: ${TEST_IMAGE}`,
      '    command: ["sleep", "600"]',
      '    network_mode: none',
      // sleep ignores SIGTERM as PID 1: stop at once instead of after the 10 s timeout.
      '    stop_signal: SIGKILL',
    ].join('\n');
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    ['version: "2.4"', 'services:', ...SERVICES.map(service), ''].join('\n'),
  );
  store = await openTestStore('sqlite');
  inv = inventoryHarness(store, dockerHost());
  inv.follower.start();
  await eventually(() => inv.follower.following, 30_000, 'the events stream');
});

afterAll(async () => {
  await inv?.close();
  await compose('down', '--timeout', '0').catch(() => undefined);
  const left = await docker(
    'ps',
    '-aq',
    '--filter',
    `label=com.docker.compose.project=${project}`,
  ).catch(() => '');
  if (left) await docker('rm', '-f', ...left.split('\n')).catch(() => undefined);
  await store?.cleanup();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('inventory during compose redeploys', () => {
  it('raises no "gone" alert and loses no rename over 20 force-recreate cycles', async () => {
    // What Docker said, from a stream of the test's own: the last name of every container.
    const watching = new AbortController();
    const renamed = new Map<string, string>();
    const stream = await inv.docker.events({
      filters: {
        type: ['container'],
        event: ['rename'],
        label: [`com.docker.compose.project=${project}`],
      },
      signal: watching.signal,
    });
    const collecting = (async () => {
      try {
        for await (const e of stream as AsyncIterable<DockerEvent>) {
          renamed.set(e.Actor.ID, e.Actor.Attributes.name!.replace(/^\//, ''));
        }
      } catch {
        // aborted at the end
      }
    })();

    // Five full passes a second: more often than any resync interval would run them.
    let passing = true;
    let passes = 0;
    const passLoop = (async () => {
      while (passing) {
        await inv.index.syncAll().catch(() => undefined);
        passes++;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    try {
      await compose('up', '-d');
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        await compose('up', '-d', '--force-recreate');
      }
      const live = (
        await docker(
          'ps',
          '--filter',
          `label=com.docker.compose.project=${project}`,
          '--format',
          '{{.ID}} {{.Names}}',
        )
      )
        .split('\n')
        .map((l) => l.split(' '));
      expect(live).toHaveLength(SERVICES.length);
      expect(renamed.size).toBe(CYCLES * SERVICES.length);

      // Let the stream and one more pass settle, then compare with what Docker said.
      await eventually(
        async () => {
          for (const [id, name] of live) {
            const row = await inv.containers.get((await inv.docker.inspectContainer(id!)).Id);
            if (row?.state !== 'running' || row.name !== name) return false;
          }
          return true;
        },
        30_000,
        'the live containers indexed under their names',
      );
      await inv.index.syncAll();

      const lost: string[] = [];
      for (const [id, name] of renamed) {
        const row = await inv.containers.get(id);
        if (row?.name !== name) lost.push(`${id.slice(0, 12)}: ${row?.name} instead of ${name}`);
        else if (row.state !== 'missing') lost.push(`${id.slice(0, 12)}: ${row.state}`);
      }
      expect(lost).toEqual([]);
      expect(passes).toBeGreaterThan(CYCLES);
      // Only this project's containers: other test files share the engine.
      const ours = inv.recorded.filter((e) => e.workload_id === project);
      expect(ours.map((e) => `${e.container_id?.slice(0, 12)} ${e.message}`)).toEqual([]);
    } finally {
      passing = false;
      await passLoop;
      watching.abort();
      await collecting;
    }
  }, 600_000);
});
