import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, sessionClient } from '../support/api-client.js';
import { DESKTOP, launchChromium, screenshots, watchConsole } from '../support/browser.js';
import { removeContainers, runContainer, uniqueName } from '../support/docker-cli.js';
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
 * With auth.viewers_read_logs off, a viewer's container page shows no log viewer (and
 * asks the server for no log), while an admin's shows the log; both reach the container
 * by its name in the URL. The same goes for the lines around a hit on the event page.
 */

let dataDir: string;
let proc: LogwardenProcess | undefined;
let url: string;
let browser: Browser;
let containerId: string;
let eventId: number;
let incidentId: number;
const name = uniqueName('lw-logs');
const VIEWER: Credentials = { username: 'vince', password: 'viewer-password-1' };
/** Around the hit: two lines before; after it, its record's indented line and one more. */
const CONTEXT = {
  before: ['connecting to db', 'reading credentials'],
  after: ['  at db.connect (db.js:7)', 'giving up'],
};

async function signedIn(who: Credentials) {
  const page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  page.setDefaultTimeout(20_000);
  const console_ = watchConsole(page);
  const logRequests: string[] = [];
  page.on('request', (r) => {
    // The live log, and the history routes (/api/containers/:id/logs…).
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/stream/logs/') || path.endsWith('/logs')) logRequests.push(path);
  });
  await page.goto(`${url}/`);
  await signIn(page, who);
  return { page, console: console_, logRequests };
}

async function openContainer(page: Page) {
  await go(page, `/containers/${name}`);
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-log-access-'));
  await ensureWebBuild();
  let token: string;
  ({ proc, url, token } = await serveForTest(dataDir, {
    LOGWARDEN_AUTH_VIEWERS_READ_LOGS: 'false',
  }));
  const api = apiClient(url, token);
  await api.post('/api/rules', {
    name: 'password',
    pattern: 'password is',
    severity: 'error',
    context: { before: 2, after: 2 },
  });
  containerId = await runContainer(
    `sleep 2; echo "${CONTEXT.before.join('"; echo "')}"; echo "db password is hunter2"; ` +
      `echo "${CONTEXT.after.join('"; echo "')}"; echo "unrelated"; sleep 600`,
    { name },
  );
  // Its event, looked up by the container's name, once its lines after are in.
  ({ id: eventId, incident_id: incidentId } = await eventually(async () => {
    const page = await api.get<{
      items: { id: number; incident_id: number; context?: { after: string[] } | null }[];
    }>(`/api/events?container=${name}`);
    const event = page.items[0];
    return event?.context?.after.length === CONTEXT.after.length ? event : undefined;
  }, 30_000));
  const admin = await sessionClient(url, TEST_ADMIN);
  await admin.post('/api/users', { ...VIEWER, role: 'viewer' });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  await removeContainers([containerId].filter(Boolean));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('who may read logs (real Chromium, real serve)', () => {
  it('hides the log from a viewer when auth.viewers_read_logs is off, and asks for none', async () => {
    const viewer = await signedIn(VIEWER);
    await openContainer(viewer.page);
    await viewer.page.getByTestId('log-not-allowed').waitFor();
    expect(await viewer.page.getByRole('log').count()).toBe(0);
    await screenshots(viewer.page, 'viewer-logs-not-allowed');
    // Nor a way into the log from the container's event.
    await viewer.page.locator('.event-row').first().waitFor();
    expect(await viewer.page.getByTestId('see-in-context').count()).toBe(0);
    await go(viewer.page, `/events/${eventId}`);
    await viewer.page.getByRole('heading', { level: 1, name: `Event ${eventId}` }).waitFor();
    expect(await viewer.page.getByTestId('see-in-context').count()).toBe(0);
    // Nor the lines around the hit: the server does not send them.
    await viewer.page.getByTestId('event-message').waitFor();
    expect(await viewer.page.getByTestId('event-context').count()).toBe(0);
    await go(viewer.page, `/incidents/${incidentId}`);
    await viewer.page.getByTestId('incident-events').waitFor();
    expect(await viewer.page.getByTestId('event-context').count()).toBe(0);
    expect(viewer.logRequests).toEqual([]);
    expect(viewer.console.take()).toEqual([]);
  }, 60_000);

  it('shows it to an admin', async () => {
    const admin = await signedIn(TEST_ADMIN);
    await openContainer(admin.page);
    await admin.page.getByRole('log').getByText('db password is hunter2').waitFor();
    expect(await admin.page.getByTestId('log-not-allowed').count()).toBe(0);
    await go(admin.page, `/events/${eventId}`);
    await admin.page.getByTestId('see-in-context').waitFor();
    // The lines around the hit: before, the hit marked, after, in order.
    const context = admin.page.getByTestId('event-context');
    await context.waitFor();
    const parts = await context
      .locator('.context-line')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('data-part'), el.textContent]));
    expect(parts).toEqual([
      ...CONTEXT.before.map((l) => ['before', `${l}\n`]),
      ['hit', 'db password is hunter2\n'],
      ...CONTEXT.after.map((l) => ['after', `${l}\n`]),
    ]);
    expect(await context.locator('mark.context-hit').textContent()).toContain('hunter2');
    await screenshots(admin.page, 'event-context');
    // The incident shows the lines around its latest hit too.
    await go(admin.page, `/incidents/${incidentId}`);
    await admin.page.getByTestId('event-context').getByText('giving up').waitFor();
    expect(admin.console.take()).toEqual([]);
  }, 60_000);
});
