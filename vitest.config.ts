import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

const UNIT = ['src/**/*.test.ts', 'web/src/**/*.test.ts', 'bench/**/*.test.ts'];
const UNIT_ROOTS = ['src', 'web/src'];

/**
 * Unit tests that open a test database (test/support/databases.ts) run on SQLite in the
 * unit lane and again on PostgreSQL in the integration lane: found by what they import,
 * so a new repository test joins both lanes without a list to keep.
 */
function usingTestDatabases(): string[] {
  return testsBesideTheCode().filter((file) =>
    /support\/databases\.js['"]/.test(readFileSync(file, 'utf8')),
  );
}

/**
 * Tests beside the code that start their own nats-server (test/support/nats-server.ts):
 * they need a service, so they leave the unit lane for integration:nats, found by what
 * they import as the repository tests are.
 */
function usingNatsServer(): string[] {
  return testsBesideTheCode().filter((file) =>
    /support\/nats-server\.js['"]/.test(readFileSync(file, 'utf8')),
  );
}

function testsBesideTheCode(): string[] {
  return UNIT_ROOTS.flatMap((root) =>
    readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.test.ts'))
      .map((file) => join(root, file)),
  );
}

const NATS_TESTS = usingNatsServer();

/**
 * End-to-end tests that measure what the machine gives them (a latency bound the issue
 * sets, a line rate the engine must keep up with) or that load it heavily themselves
 * (an image build): each runs alone, after the other lanes, so neither disturbs another.
 */
const EXCLUSIVE = [
  'test/e2e/store-faults.test.ts',
  'test/e2e/scanner-rotation.test.ts',
  'test/e2e/triggers-isolation.test.ts',
  'test/e2e/inventory-compose-recreate.test.ts',
  'test/e2e/image.test.ts',
  // Three Docker engines, three agents, two replicas and a nats-server of its own.
  'test/e2e/scale-out.test.ts',
];

/**
 * Three lanes, all run by `npm test` (and CI):
 * - unit: beside the code, SQLite only, no global setup — no Docker, PostgreSQL or
 *   Chromium needed (`npm run test:unit`, the edit-test loop);
 * - integration: PostgreSQL and a real Docker engine (test/e2e, fault injection),
 *   `integration:exclusive`, the e2e tests that run alone, `integration:postgres`,
 *   the unit lane's repository tests again on PostgreSQL, and `integration:nats`, the
 *   tests beside the code that start their own nats-server (src/nats/);
 * - browser: the UI in Debian's Chromium against a real server and engine.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Real-engine tests share one dockerd; two cores do not gain from more workers.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: UNIT,
          exclude: [...configDefaults.exclude, ...NATS_TESTS],
          env: { LOGWARDEN_TEST_DIALECTS: 'sqlite' },
          // Files share a worker's module cache: half the CPU of isolating each (measured
          // side by side, 56 s against 120 s of CPU for the lane), and unit tests hold no
          // module-level state to leak. The integration lanes keep isolation.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: [...EXCLUSIVE],
          globalSetup: ['test/setup/docker-engine.ts', 'test/setup/postgres.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration:exclusive',
          include: [...EXCLUSIVE],
          globalSetup: ['test/setup/docker-engine.ts', 'test/setup/postgres.ts'],
          // One at a time, after every other lane: see EXCLUSIVE.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration:postgres',
          include: usingTestDatabases(),
          env: { LOGWARDEN_TEST_DIALECTS: 'postgres' },
          globalSetup: ['test/setup/postgres.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration:nats',
          include: NATS_TESTS,
          globalSetup: ['test/setup/nats.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/setup/docker-engine.ts', 'test/setup/chromium.ts'],
        },
      },
    ],
  },
});
