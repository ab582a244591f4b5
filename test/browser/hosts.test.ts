import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PG_URL } from '../support/databases.js';
import { dockerAt, dockerHost, runContainer, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { startExtraEngine, type ExtraEngine } from '../support/extra-engine.js';
import { spawnLogwarden, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { TestNatsServer } from '../support/nats-server.js';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * The hosts page and the events page's host filter in real Chromium, against a `serve`
 * on PostgreSQL and a real nats-server, with a real agent on each of three Docker engines
 * (the lane's own and two throwaway ones). A container of another engine is followed live
 * in the log viewer through its agent; an agent killed with SIGKILL is shown
 * disconnected once it has been silent for fleet.host_silent_after_seconds.
 */

const HOSTS = ['north', 'south', 'west'] as const;
type HostId = (typeof HOSTS)[number];

const root = mkdtempSync(join(tmpdir(), 'lw-hosts-ui-'));
const database = `lw_hosts_ui_${randomBytes(4).toString('hex')}`;
/** Filled in before the server starts (signedInUi reads it in its own beforeAll). */
const serveEnv: Record<string, string> = {};
let nats: TestNatsServer;
/** The engines started for south and west (north is the lane's own). */
const extra: ExtraEngine[] = [];
const engines = new Map<HostId, string>();
const agents = new Map<HostId, LogwardenProcess>();
const containers: [string, string][] = [];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Registered before signedInUi's: the database and NATS exist when `serve` starts.
beforeAll(async () => {
  await admin(`create database ${database}`);
  nats = await TestNatsServer.start();
  engines.set('north', dockerHost());
  for (const host of ['south', 'west'] as const) {
    const engine = await startExtraEngine(`hosts-ui-${host}`);
    extra.push(engine);
    engines.set(host, engine.host);
  }
  Object.assign(serveEnv, {
    LOGWARDEN_DATABASE_URL: TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`),
    LOGWARDEN_NATS_URL: nats.url,
    LOGWARDEN_FLEET_HOST_SILENT_AFTER_SECONDS: '20',
  });
}, 180_000);

const ui = signedInUi('hosts', { env: serveEnv });

beforeAll(() => {
  for (const host of HOSTS)
    agents.set(
      host,
      spawnLogwarden(['agent'], {
        DOCKER_HOST: engines.get(host)!,
        LOGWARDEN_DATA_DIR: join(root, `agent-${host}`),
        LOGWARDEN_NATS_URL: nats.url,
        LOGWARDEN_AGENT_HOST_ID: host,
      }),
    );
});

afterAll(async () => {
  for (const proc of agents.values()) await stopServed(proc, 'SIGKILL');
  for (const [host, id] of containers) await dockerAt(host, 'rm', '-f', id).catch(() => undefined);
  for (const engine of extra) await engine.stop().catch(() => undefined);
  await nats?.destroy();
  // After signedInUi's afterAll stopped `serve` (hooks run in reverse).
  await admin(`drop database if exists ${database} with (force)`);
  rmSync(root, { recursive: true, force: true });
}, 180_000);

interface HostJson {
  id: string;
  connected: boolean;
  rule_revision: number | null;
  rules_current: boolean;
}

describe('hosts in the UI (real Chromium, serve on PostgreSQL + NATS, three agents)', () => {
  const NEEDLE = `needle-hosts-${Date.now().toString(36)}`;

  it('lists each agent connected on the current rules, and filters events by host', async () => {
    await ui.api.post('/api/rules', {
      name: 'hosts needle',
      pattern: NEEDLE,
      severity: 'error',
      cooldown_seconds: 0,
    });
    await eventually(
      async () => {
        const hosts = (await ui.api.get<{ items: HostJson[] }>('/api/hosts')).items;
        return HOSTS.every((id) => hosts.some((h) => h.id === id && h.rules_current));
      },
      90_000,
      'both agents running the rule',
    );
    for (const host of HOSTS) {
      const engine = engines.get(host)!;
      const id = await runContainer(`echo "${NEEDLE} from ${host}"; sleep 3600`, {
        name: uniqueName(`hosts-${host}`),
        engine,
      });
      containers.push([engine, id]);
    }

    await go(ui.page, '/hosts');
    const rows = ui.page.getByTestId('hosts').locator('tr[data-host-id]');
    await eventually(async () => (await rows.count()) === 3, 30_000, 'three hosts listed');
    for (const host of HOSTS) {
      const row = ui.page.locator(`tr[data-host-id="${host}"]`);
      expect(await row.getAttribute('data-connected')).toBe('true');
      expect(await row.getByTestId('host-state').innerText()).toContain('connected');
      expect(await row.getByTestId('host-rules').innerText()).not.toContain('old rules');
    }

    // Each host's hit arrives; the filter shows south's alone.
    await eventually(
      async () => {
        const events = await ui.api.get<{ items: unknown[] }>(
          `/api/events?source=logscan&q=${NEEDLE}`,
        );
        return events.items.length === 3;
      },
      60_000,
      'a hit from each host',
    );
    await ui.page.locator('tr[data-host-id="south"]').getByRole('link', { name: 'events' }).click();
    await ui.page.waitForURL(/\/events\?host=south$/);
    expect(await ui.page.locator('select[name="host"]').inputValue()).toBe('south');
    const hostTags = ui.page.locator('li[data-event-id]').getByTestId('event-host');
    await ui.page.locator('li[data-event-id]').getByText(`${NEEDLE} from south`).waitFor();
    expect(
      await ui.page.locator('li[data-event-id]').getByText(`${NEEDLE} from north`).count(),
    ).toBe(0);
    // The feed starts over when the filter changes: what the old one showed goes.
    await expect
      .poll(async () => [...new Set(await hostTags.allInnerTexts())], { timeout: 10_000 })
      .toEqual(['south']);

    await ui.page.locator('select[name="host"]').selectOption('north');
    await ui.page.waitForURL(/\/events\?host=north$/);
    await ui.page.locator('li[data-event-id]').getByText(`${NEEDLE} from north`).waitFor();
    // The feed starts over when the filter changes: what the old one showed goes.
    await expect
      .poll(async () => [...new Set(await hostTags.allInnerTexts())], { timeout: 10_000 })
      .toEqual(['north']);
  }, 180_000);

  it('follows a container of another host live in the log viewer, through its agent', async () => {
    const engine = engines.get('south')!;
    const id = await runContainer(
      'i=0; while true; do i=$((i+1)); echo "south tick $i"; sleep 0.3; done',
      { name: uniqueName('hosts-follow'), engine },
    );
    containers.push([engine, id]);
    await eventually(
      async () =>
        (await ui.api.get<{ items: { id: string }[] }>('/api/containers?host=south')).items.some(
          (c) => c.id === id,
        ),
      30_000,
      'the container in the index under south',
    );
    await go(ui.page, `/containers/${id}`);
    const ticks = async () =>
      (await ui.page.locator('.log-line', { hasText: 'south tick' }).allInnerTexts()).map((t) =>
        Number(/south tick (\d+)/.exec(t)?.[1] ?? 0),
      );
    await ui.page.locator('.log-line', { hasText: 'south tick' }).first().waitFor();
    const first = Math.max(...(await ticks()));
    // Lines the agent reads after the page opened keep arriving, in order.
    await eventually(async () => Math.max(...(await ticks())) >= first + 5, 30_000, 'live ticks');
    const seen = await ticks();
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await ui.page.getByTestId('log-end').count()).toBe(0);
  }, 120_000);

  it('shows an agent killed with SIGKILL as disconnected once it is silent', async () => {
    await stopServed(agents.get('south')!, 'SIGKILL');
    await go(ui.page, '/hosts');
    // The page reloads the list every 10 s; the host is silent after 20 s.
    await ui.page
      .locator('tr[data-host-id="south"][data-connected="false"]')
      .waitFor({ timeout: 90_000 });
    expect(
      await ui.page.locator('tr[data-host-id="south"]').getByTestId('host-state').innerText(),
    ).toContain('disconnected');
    expect(await ui.page.locator('tr[data-host-id="north"]').getAttribute('data-connected')).toBe(
      'true',
    );
  }, 120_000);
});
