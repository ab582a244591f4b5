import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchChromium, SCREENSHOT_DIR, watchConsole } from '../support/browser.js';
import {
  serveForTest,
  stopServed,
  TEST_ADMIN,
  type LogwardenProcess,
} from '../support/logwarden-process.js';
import { signIn } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * The API reference page, against a real `logwarden serve`, in Chromium: it needs a
 * signed-in user (as the API does), then renders every route of the OpenAPI document
 * from this server's own files, within the CSP, without a console error.
 */

let dataDir: string;
let proc: LogwardenProcess;
let url: string;
let token: string;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
/** Requests to anywhere but this Logwarden: the page must not need a CDN. */
const foreign: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-api-ref-'));
  await ensureWebBuild();
  ({ proc, url, token } = await serveForTest(dataDir));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  console_ = watchConsole(page);
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== new URL(url).origin) foreign.push(request.url());
  });
});

afterEach(() => {
  expect(console_.take(), 'browser console errors').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the API reference page (real Chromium, real serve)', () => {
  it('needs a signed-in user, as the API does', async () => {
    const anonymous = await fetch(`${url}/api/openapi.json`);
    expect(anonymous.status).toBe(401);
    await page.goto(`${url}/api-reference`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByTestId('api-reference').count()).toBe(0);
  });

  it('renders every route of the OpenAPI document once signed in', async () => {
    await signIn(page, TEST_ADMIN);
    await page.getByRole('heading', { level: 1, name: 'API reference' }).waitFor();
    await page.getByTestId('api-reference').waitFor();
    const doc = (await (
      await fetch(`${url}/api/openapi.json`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce(
      (n, item) => n + Object.keys(item).length,
      0,
    );
    await expect.poll(() => page.getByTestId('api-endpoint').count()).toBe(operations);
    const text = await page.getByTestId('api-reference').innerText();
    for (const path of ['/api/rules/{id}', '/api/stream/events', '/api/openapi.json', '/healthz'])
      expect(text).toContain(path);
    expect(text).toContain('VALIDATION_FAILED');
    // An endpoint opens to its parameters and answers.
    const stream = page
      .getByTestId('api-endpoint')
      .filter({ has: page.locator('summary', { hasText: '/api/stream/events' }) });
    await stream.locator('summary').click();
    await stream.getByText('text/event-stream').waitFor();
    await stream.getByText('history', { exact: true }).waitFor();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'api-reference-desktop.png') });
    expect(foreign).toEqual([]);
  });

  it('is linked from the navigation', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API' }).click();
    await page.getByRole('heading', { level: 1, name: 'API reference' }).waitFor();
  });
});
