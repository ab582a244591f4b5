import { describe, expect, it } from 'vitest';
import { screenshots } from '../support/browser.js';
import { docker, printInContainer, runContainer, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * The UI updates from the live inventory stream, in real Chromium against a real
 * `logwarden serve` and the throwaway dockerd: the Overview follows a container's start,
 * stop and removal with no reload and no polling, a gone container folds away after
 * ui.gone_containers_hide_after_seconds, and a workload page merges its containers' logs
 * into one live, time-ordered view.
 */

/**
 * Short enough to see the fold in a test, long enough to see the gone row first on a
 * busy machine (the time runs from the removal, not from the page showing it).
 */
const HIDE_AFTER_SECONDS = 20;
const WAIT = 30_000;

/** Requests the page made to the containers list (GET /api/containers). */
const listReads: string[] = [];
const run = Date.now().toString(36);

const ui = signedInUi('live', {
  env: { LOGWARDEN_UI_GONE_CONTAINERS_HIDE_AFTER_SECONDS: String(HIDE_AFTER_SECONDS) },
  onPage: (page) =>
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/containers') listReads.push(request.url());
    }),
});

/** The Overview's row of a container, as data attributes say it: its state, or null. */
const rowState = (name: string) =>
  ui.page.evaluate(
    `document.querySelector('tr[data-container=${JSON.stringify(name)}]')?.dataset.state ?? null`,
  ) as Promise<string | null>;

describe('the Overview, live', () => {
  it('shows a container start, stop and go without a reload or a poll', async () => {
    await go(ui.page, '/');
    await ui.page.getByRole('heading', { name: 'Overview' }).waitFor();
    await ui.page.getByTestId('docker-status').getByText('reachable').waitFor();
    // A reload would lose this; the page must stay the one that was opened.
    await ui.page.evaluate('window.__sameOverview = true');
    listReads.length = 0;

    const name = uniqueName('live');
    const id = await runContainer('sleep 600', { name });
    ui.containers.add(id);
    await eventually(async () => (await rowState(name)) === 'running', WAIT, `${name} running`);

    await docker('stop', '-t', '0', id);
    await eventually(async () => (await rowState(name)) === 'stopped', WAIT, `${name} stopped`);

    await docker('rm', id);
    ui.containers.delete(id);
    // Just gone: still listed, marked so…
    await eventually(async () => (await rowState(name)) === 'missing', WAIT, `${name} gone`);
    await screenshots(ui.page, 'overview-live-gone');
    // …then folded away behind "show N gone" once the setting has passed.
    await eventually(
      async () => (await rowState(name)) === null,
      HIDE_AFTER_SECONDS * 1000 + WAIT,
      `${name} folded`,
    );
    const group = ui.page.getByTestId('workload-group').filter({ hasText: /show \d+ gone/ });
    await group.getByRole('button', { name: /show \d+ gone/ }).click();
    await eventually(async () => (await rowState(name)) === 'missing', WAIT, `${name} shown`);

    expect(await ui.page.evaluate('window.__sameOverview === true')).toBe(true);
    expect(listReads, 'the Overview read GET /api/containers: it polls').toEqual([]);
  }, 180_000);
});

/** An RFC3339Nano timestamp in nanoseconds since the epoch (Docker drops trailing zeros). */
function nanos(timestamp: string): bigint {
  const m = /^(.*:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  if (!m) throw new Error(`not a timestamp: ${timestamp}`);
  return BigInt(Date.parse(`${m[1]}${m[3]}`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

interface ShownLine {
  container: string;
  timestamp: string;
  text: string;
  colour: string;
}

/** The merged view's lines as shown, top to bottom. */
const mergedLines = () =>
  ui.page
    .evaluate(`[...document.querySelectorAll('[data-testid=workload-logs] .merged-line')].map((el) => ({
    container: el.dataset.container,
    timestamp: el.querySelector('.log-ts')?.getAttribute('title') ?? '',
    text: el.querySelector('.log-text')?.textContent ?? '',
    colour: [...el.classList].find((c) => c.startsWith('wl-c')) ?? '',
  }))`) as Promise<ShownLine[]>;

describe('a workload at once', () => {
  it("merges its three containers' logs into one live view, in time order, colour per container", async () => {
    const project = `mrg-${run}`;
    const names = ['api', 'db', 'web'].map((service) => `${project}-${service}-1`);
    const ids: string[] = [];
    for (const name of names) {
      const service = name.split('-')[2]!;
      // Each prints a line a second for a while: their first lines interleave in time.
      const script = `for n in 1 2 3 4; do echo "start ${service} $n"; sleep 1; done; sleep 600`;
      const id = await runContainer(script, {
        name,
        labels: {
          'com.docker.compose.project': project,
          'com.docker.compose.service': service,
        },
      });
      ui.containers.add(id);
      ids.push(id);
    }
    await go(ui.page, `/workloads/${project}`);
    await ui.page.getByRole('heading', { name: project }).waitFor();
    const view = ui.page.getByTestId('workload-logs');
    await eventually(
      async () => (await mergedLines()).filter((l) => l.text.startsWith('start ')).length === 12,
      WAIT,
      'the start lines of all three containers',
    );

    // Live: lines printed now, into the containers in an order unlike their names'.
    const order = [2, 0, 1];
    for (const [n, i] of order.entries()) await printInContainer(ids[i]!, `live ${run} ${n}`);
    const shown = await eventually(
      async () => {
        const lines = await mergedLines();
        return lines.filter((l) => l.text.startsWith(`live ${run}`)).length === 3 && lines;
      },
      WAIT,
      'the live lines',
    );
    expect(
      shown.filter((l) => l.text.startsWith('live')).map((l) => [l.container, l.text]),
    ).toEqual(order.map((i, n) => [names[i], `live ${run} ${n}`]));
    // One view, in time order across the containers.
    const times = shown.map((l) => nanos(l.timestamp));
    expect(times).toEqual([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(shown.map((l) => l.container))).toEqual(new Set(names));
    // A colour per container.
    const colours = new Map(shown.map((l) => [l.container, l.colour]));
    expect(new Set(colours.values()).size).toBe(3);
    await screenshots(ui.page, 'workload-merged-logs');

    // Filtered by container: the db's lines leave, the others stay.
    await view.getByRole('checkbox', { name: names[1] }).uncheck();
    await eventually(
      async () => !(await mergedLines()).some((l) => l.container === names[1]),
      WAIT,
      'db hidden',
    );
    expect(new Set((await mergedLines()).map((l) => l.container))).toEqual(
      new Set([names[0], names[2]]),
    );
  });
});
