import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshots, sessionApi, watchConsole } from '../support/browser.js';
import { removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { completeSetup, go, signIn } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * Every page of the UI against a real `logwarden serve` with some data: it renders
 * without a console error, at desktop width and at 360 px (screenshots under
 * test-output/screenshots/).
 */

let dataDir: string;
let proc: LogwardenProcess;
let url: string;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
let api: ReturnType<typeof sessionApi>;
let containerId: string;
let ruleId: number;
let eventId: number;
const containers = new Set<string>();
/** Requests to anywhere but this Logwarden: the UI must work offline on a LAN. */
const foreign: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-pages-'));
  await ensureWebBuild();
  ({ proc, url } = await serveForTest(dataDir));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  console_ = watchConsole(page);
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== new URL(url).origin) foreign.push(request.url());
  });
  api = sessionApi(context, url);
});

afterEach(() => {
  expect(console_.take(), 'browser console errors on this page').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  await removeContainers(containers);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Waits for the page's heading, then takes its screenshots. */
async function visit(path: string, heading: string | RegExp, name: string) {
  await go(page, path);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  // Polled from here: the page's CSP rightly refuses Playwright's string evaluation.
  await expect.poll(() => page.locator('[aria-busy="true"]').count()).toBe(0);
  await screenshots(page, name);
}

describe('web UI pages (real Chromium, real serve)', () => {
  it('signs in (first-run setup when the server asks for it)', async () => {
    await page.goto(`${url}/`);
    const shown = page.locator('#setup-title, #login-title, nav[aria-label="Main"]').first();
    await shown.waitFor();
    if (await page.locator('#setup-title').isVisible()) await completeSetup(page, dataDir);
    if (
      await page
        .locator('#login-title')
        .isVisible()
        .catch(() => false)
    )
      await signIn(page);
    if (!(await page.locator('nav[aria-label="Main"]').isVisible())) await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  });

  it('prepares data: a workload, a rule, a container that hits it', async () => {
    await api.post('/api/workloads', { id: 'shop', name: 'Shop' });
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: 'error code',
      pattern: 'ERROR (?P<code>\\d+)',
      severity: 'error',
    });
    ruleId = rule.id;
    await api.post('/api/rules', {
      workload_id: 'shop',
      overrides_rule_id: ruleId,
      severity: 'critical',
    });
    containerId = await runContainer(
      'i=0; while true; do i=$((i+1)); echo "request $i ok"; echo "ERROR 42 disk full" >&2; sleep 2; done',
      { labels: { 'logwarden.workload': 'shop' } },
    );
    containers.add(containerId);
    const events = await eventually(async () => {
      const page1 = await api.get<{ items: { id: number }[] }>(
        `/api/events?container=${containerId}`,
      );
      return page1.items.length > 0 ? page1.items : undefined;
    }, 30_000);
    eventId = events[0]!.id;
  }, 60_000);

  it('overview', async () => {
    await visit('/', 'Overview', 'overview');
    await page.getByTestId('workload-group').getByRole('link', { name: 'Shop' }).waitFor();
  });

  it('events', async () => {
    await visit('/events?severity=error', 'Events', 'events');
    await page.locator('.event-row').first().waitFor();
  });

  it('event detail', async () => {
    await visit(`/events/${eventId}`, `Event ${eventId}`, 'event-detail');
  });

  it('container', async () => {
    await visit(`/containers/${containerId}`, /.+/, 'container');
    await page.locator('.log-line').first().waitFor();
  });

  it('workload with its effective rules', async () => {
    await visit('/workloads/shop', 'Shop', 'workload');
    await page.getByTestId('effective-rules').getByText('override').waitFor();
  });

  it('rules', async () => {
    await visit('/rules', 'Rules', 'rules');
  });

  it('rule editor', async () => {
    await visit(`/rules/${ruleId}`, 'error code', 'rule-edit');
  });

  it('triggers', async () => {
    await visit('/triggers', 'Triggers', 'triggers');
  });

  it('new trigger', async () => {
    await visit('/triggers/new', 'New trigger', 'trigger-new');
  });

  it('journal', async () => {
    await visit('/journal', 'Journal', 'journal');
  });

  it('scanner stats', async () => {
    await visit('/scanner', 'Scanner', 'scanner');
    await page.getByTestId('tails').waitFor();
  });

  it('settings', async () => {
    await visit('/settings', 'Settings', 'settings');
    await page.getByTestId('server-settings').waitFor();
  });

  it('follows the system’s dark theme', async () => {
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await visit('/', 'Overview', 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('loaded nothing from anywhere else (no CDN, no external font)', () => {
    expect(foreign).toEqual([]);
  });
});
