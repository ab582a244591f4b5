import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient, sessionClient } from '../support/api-client.js';
import { DESKTOP, launchChromium, screenshots, watchConsole } from '../support/browser.js';
import { docker, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import {
  serveForTest,
  stopServed,
  TEST_ADMIN,
  type LogwardenProcess,
} from '../support/logwarden-process.js';
import { go, signIn, type Credentials } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * Every page of the UI against a real `logwarden serve` with some data: it renders
 * without a console error, at desktop width and at 360 px (screenshots under
 * test-output/screenshots/); then what a viewer sees, the trigger editor's channels
 * and write-only values, and a password change signing a user out everywhere.
 */

let dataDir: string;
let proc: LogwardenProcess;
let url: string;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
let api: ReturnType<typeof apiClient>;
let receiver: WebhookReceiver;
let containerId: string;
let ruleId: number;
let eventId: number;
const containers = new Set<string>();
/** Requests to anywhere but this Logwarden: the UI must work offline on a LAN. */
const foreign: string[] = [];
const VIEWER: Credentials = { username: 'vera', password: 'viewer-password-1' };

/** A signed-in page of its own (its own cookies), watched like the main one. */
async function openPage(who: Credentials) {
  const context = await browser.newContext({ viewport: DESKTOP });
  const p = await context.newPage();
  p.setDefaultTimeout(20_000);
  const watched = watchConsole(p);
  p.on('request', (request) => {
    if (new URL(request.url()).origin !== new URL(url).origin) foreign.push(request.url());
  });
  await p.goto(`${url}/`);
  await signIn(p, who);
  return { page: p, console: watched };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-pages-'));
  receiver = await startReceiver();
  await ensureWebBuild();
  let token: string;
  ({ proc, url, token } = await serveForTest(dataDir, {
    LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true',
  }));
  api = apiClient(url, token);
  browser = await launchChromium();
  ({ page, console: console_ } = await openPage(TEST_ADMIN));
});

afterEach(() => {
  expect(console_.take(), 'browser console errors on this page').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  await receiver?.close();
  await removeContainers(containers);
  rmSync(dataDir, { recursive: true, force: true });
});

/** Waits for the page's heading and for nothing to be loading. */
async function open(on: Page, path: string, heading: string | RegExp) {
  await go(on, path);
  await on.getByRole('heading', { level: 1, name: heading }).waitFor();
  // Polled from here: the page's CSP rightly refuses Playwright's string evaluation.
  await expect.poll(() => on.locator('[aria-busy="true"]').count()).toBe(0);
}

/** Opens the page, then takes its screenshots. */
async function visit(path: string, heading: string | RegExp, name: string) {
  await open(page, path, heading);
  await screenshots(page, name);
}

describe('web UI pages (real Chromium, real serve)', () => {
  it('prepares data: a workload, a rule with an override, a container that hits it', async () => {
    expect(await page.getByTestId('current-user').innerText()).toContain(TEST_ADMIN.username);
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
    const admin = await sessionClient(url, TEST_ADMIN);
    await admin.post('/api/users', { ...VIEWER, role: 'viewer' });
  }, 60_000);

  it('overview', async () => {
    await visit('/', 'Overview', 'overview');
    await page.getByTestId('workload-group').getByRole('link', { name: 'Shop' }).waitFor();
  });

  it('events', async () => {
    await visit('/events?severity=error', 'Events', 'events');
    await page.locator('.event-row').first().waitFor();
    await page.locator('.live-open').waitFor();
  });

  it('event detail', async () => {
    await visit(`/events/${eventId}`, `Event ${eventId}`, 'event-detail');
  });

  it('container', async () => {
    await open(page, `/containers/${containerId}`, /.+/);
    await page.locator('.log-line.log-stderr.log-hit').first().waitFor();
    await screenshots(page, 'container');
  });

  it("a stopped container's log ends, and is followed again when it runs anew", async () => {
    const id = await runContainer('echo "run $(cat /proc/sys/kernel/random/uuid)"; sleep 600');
    containers.add(id);
    await docker('stop', '-t', '0', id);
    // Until the scanner's tail of it has finished, the stream follows that tail instead.
    await eventually(async () => {
      const stats = await api.get<{ tails: { container_id: string }[] }>('/api/scanner/stats');
      return !stats.tails.some((t) => t.container_id === id);
    }, 40_000);
    await open(page, `/containers/${id}`, /.+/);
    await page.getByTestId('log-end').getByText('The container stopped').waitFor();
    await expect.poll(() => page.locator('.log-line', { hasText: 'run ' }).count()).toBe(1);
    await docker('start', id);
    // The page reads the container again every 10 s: a new start time, a new stream.
    await expect
      .poll(() => page.locator('.log-line', { hasText: 'run ' }).count(), { timeout: 30_000 })
      .toBe(2);
    expect(await page.getByTestId('log-end').count()).toBe(0);
    expect(await page.getByTestId('live-status').innerText()).toBe('live');
  }, 60_000);

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
    await page.getByTestId('journal').getByText('rule.create').first().waitFor();
  });

  it('scanner stats', async () => {
    await visit('/scanner', 'Scanner', 'scanner');
    await page.getByTestId('tails').waitFor();
    // Lines Docker rotated away before they were read are shown, per tail and in total.
    await page.getByTestId('tails').getByText('Possibly lost').waitFor();
    await page.getByText('Lines possibly lost (rotation)').waitFor();
  });

  it('settings', async () => {
    await visit('/settings', 'Settings', 'settings');
    await page.getByTestId('server-settings').waitFor();
    await page.getByTestId('users').getByText(VIEWER.username).waitFor();
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
});

describe('the trigger editor', () => {
  const field = (name: string) => page.locator(`[data-field="${name}"]`);

  it("shows only the chosen channel's settings", async () => {
    await open(page, '/triggers/new', 'New trigger');
    const channel = page.getByLabel('Channel', { exact: true });
    await channel.selectOption('email');
    for (const label of ['SMTP host', 'Security', 'SMTP port', 'SMTP password', 'From', 'To'])
      await page.getByLabel(label, { exact: true }).waitFor();
    expect(await page.getByLabel('URL', { exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Signing secret').count()).toBe(0);
    await screenshots(page, 'trigger-email');
    await channel.selectOption('telegram');
    await page.getByLabel('Bot token').waitFor();
    expect(await page.getByLabel('SMTP host').count()).toBe(0);
  });

  it('shows a refused value under its own field', async () => {
    await open(page, '/triggers/new', 'New trigger');
    await page.getByLabel('Name', { exact: true }).fill('Metadata hook');
    await page.getByLabel('URL', { exact: true }).fill('http://169.254.169.254/latest');
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await field('channel.url')
      .locator('.field-error')
      .getByText(/target refused/)
      .waitFor();
    await page.getByLabel('Channel', { exact: true }).selectOption('email');
    await page.getByLabel('SMTP host').fill('smtp.example.net');
    await page.getByLabel('From').fill('alerts@example.net');
    await page.getByLabel('To', { exact: true }).fill('ops@example.net, not an address');
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await field('channel.to')
      .locator('.field-error')
      .getByText('is not an e-mail address')
      .waitFor();
    expect(new URL(page.url()).pathname).toBe('/triggers/new');
    // The two refusals shown above, and nothing else.
    const refused = /status of 400 \(Bad Request\) \(http:[^)]+\/api\/triggers\)$/;
    expect(console_.take()).toEqual([
      expect.stringMatching(refused),
      expect.stringMatching(refused),
    ]);
  });

  it('keeps a write-only header value through an edit that does not touch it', async () => {
    await open(page, '/triggers/new', 'New trigger');
    await page.getByLabel('Name', { exact: true }).fill('Header hook');
    await page.getByLabel('URL', { exact: true }).fill(`${receiver.url}/h`);
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header name').fill('Authorization');
    await page.getByLabel('Value of Authorization').fill('Bearer s3cret-ui');
    await page.getByLabel('Hosts', { exact: true }).fill('local, web-1');
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await page.waitForURL(/\/triggers\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split('/').at(-1));
    type Stored = { channel: { headers: Record<string, string> }; filter: { hosts: string[] } };
    const stored = await api.get<Stored>(`/api/triggers/${id}`);
    expect(stored.channel.headers).toEqual({ authorization: '********' });
    expect(stored.filter.hosts).toEqual(['local', 'web-1']);

    // Read back, the value is not shown; a rename sends it back as the placeholder.
    await go(page, '/triggers');
    await page.getByRole('link', { name: 'Header hook' }).click();
    expect(await page.getByLabel('Value of authorization').inputValue()).toBe('');
    await page.getByLabel('Name', { exact: true }).fill('Header hook, renamed');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByTestId('test-outcome').getByText('✓ delivered').waitFor();
    expect(receiver.requests.at(-1)!.headers.authorization).toBe('Bearer s3cret-ui');
    expect((await api.get<Stored>(`/api/triggers/${id}`)).filter.hosts).toEqual(['local', 'web-1']);
  });
});

describe('a viewer', () => {
  let viewer: Page;
  let viewerConsole: ReturnType<typeof watchConsole>;

  it('reads every page without a single refused request, and gets no controls', async () => {
    ({ page: viewer, console: viewerConsole } = await openPage(VIEWER));
    const nav = viewer.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Journal' }).count()).toBe(0);

    await open(viewer, '/', 'Overview');
    await open(viewer, '/events', 'Events');
    // The live stream is for admins: a viewer's feed is read every few seconds.
    await viewer.getByText('refreshed every few seconds').waitFor();
    await viewer.locator('.event-row').first().waitFor();
    await open(viewer, `/events/${eventId}`, `Event ${eventId}`);
    // The UI's URLs take what the API does: here the short id docker ps prints.
    await open(viewer, `/containers/${containerId.slice(0, 12)}`, /.+/);
    // A new install lets viewers read logs (auth.viewers_read_logs unset: on).
    await viewer.getByRole('log').getByText('disk full').first().waitFor();
    await screenshots(viewer, 'viewer-container');
    await open(viewer, '/rules', 'Rules');
    expect(await viewer.getByRole('link', { name: 'New rule' }).count()).toBe(0);
    await open(viewer, `/rules/${ruleId}`, 'error code');
    expect(await viewer.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await open(viewer, '/triggers', 'Triggers');
    await open(viewer, '/journal', 'Journal');
    await viewer.getByText('The operations journal is for admins.').waitFor();
    await open(viewer, '/scanner', 'Scanner');
    await open(viewer, '/settings', 'Settings');
    expect(await viewer.getByRole('form', { name: 'Create a token' }).count()).toBe(0);
    expect(viewerConsole.take()).toEqual([]);
  }, 60_000);

  it('changing their password signs them out everywhere, then the new one works', async () => {
    const other = await openPage(VIEWER);
    await open(viewer, '/settings', 'Settings');
    const form = viewer.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill(VIEWER.password);
    await form.getByLabel('New password', { exact: true }).fill('viewer-password-2');
    await form.getByLabel('New password again').fill('viewer-password-2');
    await form.getByRole('button', { name: 'Change password' }).click();
    await viewer.getByText('Password changed: sign in with the new one.').waitFor();

    // The other browser's session ended too: its next request says so.
    await go(other.page, '/rules');
    await other.page.getByText('Your session ended: sign in again.').waitFor();
    await signIn(other.page, { ...VIEWER, password: 'viewer-password-2' });
    expect(viewerConsole.take()).toEqual([]);
    // What the ended session was refused, and nothing else.
    for (const error of other.console.take())
      expect(error).toMatch(/status of 401 \(Unauthorized\)/);
  });
});

describe('offline on a LAN', () => {
  it('loaded nothing from anywhere else (no CDN, no external font)', () => {
    expect(foreign).toEqual([]);
  });
});
