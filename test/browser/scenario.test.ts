import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../../src/config/schema.js';
import { recordingReceiver } from '../fakes/recording-receiver.js';
import { launchChromium, screenshots, watchConsole } from '../support/browser.js';
import { removeContainers, runContainer } from '../support/docker-cli.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { completeSetup, go, signIn, UI_ADMIN } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * The acceptance scenario, in real Chromium against a real `logwarden serve`
 * and the throwaway dockerd. The steps share one browser page and run in order.
 */

/** Webhook targets on loopback are refused unless a test setting allows them. */
function loopbackTriggersEnv(): Record<string, string> {
  const spec = Object.values(KEYS).find((k) => /^triggers\..*loopback/.test(k.key));
  return spec ? { [spec.env]: 'true' } : {};
}

let dataDir: string;
let proc: LogwardenProcess;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
let receiver: Awaited<ReturnType<typeof recordingReceiver>>;
const containers = new Set<string>();
const RULE_NAME = 'Panics (scenario)';
const LINE = `panic: scenario boom ${Date.now().toString(36)}`;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-ui-'));
  receiver = await recordingReceiver();
  await ensureWebBuild();
  ({ proc, url } = await serveForTest(dataDir, loopbackTriggersEnv()));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  console_ = watchConsole(page);
});

afterEach(() => {
  expect(console_.take(), 'browser console errors during this step').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  await receiver?.close();
  await removeContainers(containers);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('web UI scenario (real Chromium, real serve, real dockerd)', () => {
  it('first-run setup creates the admin, who then signs in', async () => {
    await page.goto(`${url}/`);
    await screenshots(page, 'setup');
    await completeSetup(page, dataDir);
    await page.getByText('The admin account is ready: sign in.').waitFor();
    await screenshots(page, 'login');
    await signIn(page);
    expect(await page.getByTestId('current-user').innerText()).toContain(UI_ADMIN.username);
  });

  it('creates a global rule from a preset, with live compile feedback and a matching sample', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Rules' })
      .click();
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.locator('[data-preset="panic"]').click();
    const sample = page.getByTestId('sample-result');
    await sample.getByText('✓ matches').waitFor();
    expect(await sample.innerText()).toContain('detail');

    // A pattern that does not compile says why, under the pattern, as it is typed.
    const pattern = page.getByLabel('Pattern');
    const good = await pattern.inputValue();
    await pattern.fill(`${good}(`);
    await page.getByTestId('compile-error').waitFor();
    expect(await page.getByRole('button', { name: 'Create rule' }).isDisabled()).toBe(true);
    await pattern.fill(good);
    await page.getByTestId('compile-ok').waitFor();

    await page.getByLabel('Name').fill(RULE_NAME);
    await screenshots(page, 'rule-editor');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/rules\/\d+$/);

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Rules' })
      .click();
    await page.getByTestId('rules').getByRole('link', { name: RULE_NAME }).waitFor();
    await screenshots(page, 'rules');
  });

  it('shows a matching line live: in the events feed without a reload, highlighted in the log viewer', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Events' })
      .click();
    // The feed is connected before the line is printed: it must arrive over the stream.
    await page.locator('.live-open').waitFor();
    const id = await runContainer(`echo starting up; sleep 1; echo "${LINE}"; sleep 300`, {
      name: `lw-ui-${Date.now()}`,
    });
    containers.add(id);
    const row = page.locator('.event-row', { hasText: LINE });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.innerText()).toContain(RULE_NAME);
    await screenshots(page, 'events');

    await row.getByRole('link').click();
    await page.getByTestId('event-message').getByText(LINE).waitFor();
    await page.locator('.captures').getByText(LINE.slice('panic: '.length)).waitFor();
    await screenshots(page, 'event-detail');

    await go(page, `/containers/${id}`);
    const hit = page.locator('.log-line.log-hit', { hasText: LINE });
    await hit.waitFor({ timeout: 30_000 });
    expect(await hit.getByTestId('hit-rule').innerText()).toBe(RULE_NAME);
    const plain = page.locator('.log-line', { hasText: 'starting up' });
    expect(await plain.getAttribute('class')).not.toContain('log-hit');
    await screenshots(page, 'container');
  }, 90_000);

  it('creates a webhook trigger to a loopback receiver; "send test" succeeds', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Triggers' })
      .click();
    await page.getByRole('link', { name: 'New trigger' }).click();
    await page.getByLabel('Name').fill('Loopback hook');
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await page.waitForURL(/\/triggers\/\d+$/);
    await page.getByRole('button', { name: 'Send test' }).click();
    const outcome = page.getByTestId('test-outcome');
    await outcome.waitFor();
    expect(await outcome.innerText()).toContain('✓ delivered');
    expect(receiver.received.length).toBeGreaterThan(0);
    await screenshots(page, 'trigger-editor');
  });

  it('lists the delivery in the history', async () => {
    await page.getByTestId('deliveries').locator('tr[data-delivery-status]').first().waitFor();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Triggers' })
      .click();
    await page.getByTestId('deliveries').locator('tr[data-delivery-status]').first().waitFor();
    await screenshots(page, 'triggers');
  });

  it('signs out to the sign-in page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
