import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { DESKTOP, launchChromium, screenshots, watchConsole } from '../support/browser.js';
import { printInContainer, removeContainers, runContainer } from '../support/docker-cli.js';
import {
  serveForTest,
  stopServed,
  TEST_ADMIN,
  type LogwardenProcess,
} from '../support/logwarden-process.js';
import { go, signIn } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * A lost connection: Logwarden stops while the events page follows the live stream,
 * and comes back on the same address. The page says the connection is lost, then
 * reconnects by itself and shows new events again, without a reload.
 */

let dataDir: string;
let env: Record<string, string>;
let proc: LogwardenProcess | undefined;
let url: string;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
let containerId: string;
const run = Date.now().toString(36);

/** A port that was free a moment ago: the server restarts on it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * What Chromium logs for requests to a server that is down, and only those: no
 * connection, or Fastify's 503 to a stream reconnect that arrived while it was closing.
 */
const SERVER_DOWN =
  /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE|INCOMPLETE_CHUNKED_ENCODING)|status of 503 \(Service Unavailable\) \(http:[^)]+\/api\/stream\/events/;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-conn-'));
  await ensureWebBuild();
  env = { LOGWARDEN_LISTEN: `127.0.0.1:${await freePort()}` };
  let token: string;
  ({ proc, url, token } = await serveForTest(dataDir, env));
  await apiClient(url, token).post('/api/rules', {
    name: 'outage',
    pattern: 'OUTAGE-(?P<n>\\d+)',
    severity: 'error',
    cooldown_seconds: 0,
  });
  containerId = await runContainer('sleep 600');
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  console_ = watchConsole(page);
  await page.goto(`${url}/`);
  await signIn(page, TEST_ADMIN);
});

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  await removeContainers([containerId].filter(Boolean));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a lost connection (real Chromium, real serve stopped and started again)', () => {
  it('the live feed shows a banner while Logwarden is down, reconnects, and misses nothing', async () => {
    await go(page, '/events');
    await page.locator('.live-open').waitFor();
    await printInContainer(containerId, `OUTAGE-1 ${run}`);
    await page.locator('.event-row', { hasText: `OUTAGE-1 ${run}` }).waitFor({ timeout: 30_000 });
    expect(console_.take()).toEqual([]);

    await stopServed(proc!);
    proc = undefined;
    const banner = page.getByTestId('connection-lost');
    await banner.waitFor();
    expect(await banner.innerText()).toContain('lost');
    await screenshots(page, 'connection-lost');

    ({ proc } = await serveForTest(dataDir, env));
    // Recorded right away: before or after the page is back, it must arrive.
    await printInContainer(containerId, `OUTAGE-2 ${run}`);
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('.live-open').waitFor();
    await page.locator('.event-row', { hasText: `OUTAGE-2 ${run}` }).waitFor({ timeout: 30_000 });
    await printInContainer(containerId, `OUTAGE-3 ${run}`);
    await page.locator('.event-row', { hasText: `OUTAGE-3 ${run}` }).waitFor({ timeout: 30_000 });
    // Resumed with Last-Event-ID (or caught up after it): nothing shown twice.
    expect(await page.locator('.event-row', { hasText: `OUTAGE-1 ${run}` }).count()).toBe(1);
    expect(await page.locator('.event-row', { hasText: `OUTAGE-2 ${run}` }).count()).toBe(1);

    // While it was down, the browser could only fail to reach it; nothing else went wrong.
    for (const error of console_.take()) expect(error).toMatch(SERVER_DOWN);
  }, 120_000);
});
