import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startReceiver,
  type ReceivedRequest,
  type WebhookReceiver,
} from '../fakes/webhook-receiver.js';
import { DESKTOP, launchChromium, screenshots, watchConsole } from '../support/browser.js';
import { printInContainer, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveFresh, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { completeSetup, go, signIn, UI_ADMIN } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * The acceptance scenario, in real Chromium against a real `logwarden serve`
 * (a fresh install: no users yet) and the throwaway dockerd. The steps share one
 * browser page and run in order; any console error fails the step it happened in.
 */

/** The test setting that lets notifications reach a receiver on loopback. */
const LOOPBACK = { LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true' };

let dataDir: string;
let proc: LogwardenProcess;
let url: string;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
let receiver: WebhookReceiver;
let containerId: string;
let signingSecret: string;
const containers = new Set<string>();
const RULE_NAME = 'Panics (scenario)';
const run = Date.now().toString(36);
/** Printed at start, before anyone looks at the container's log. */
const LINE = `panic: scenario boom ${run}`;
/** Printed while the log viewer is open. */
const LIVE_LINE = `panic: scenario live ${run}`;
/** Printed once the trigger exists: its delivery. */
const DELIVERED_LINE = `panic: scenario delivered ${run}`;

interface Payload {
  test: boolean;
  trigger: { name: string };
  event: { id: number; message: string };
}

/** The payload, once its Standard Webhooks signature checks out with the secret. */
function verified(request: ReceivedRequest): Payload {
  return new Webhook(signingSecret).verify(
    request.body,
    request.headers as Record<string, string>,
  ) as Payload;
}

/** Screenshots of the page as the scenario goes (the page tests take the plain names). */
const shot = (name: string) => screenshots(page, `scenario-${name}`);

const nav = (name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-ui-'));
  receiver = await startReceiver();
  await ensureWebBuild();
  ({ proc, url } = await serveFresh(dataDir, LOOPBACK));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: DESKTOP });
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
    await shot('setup');
    await completeSetup(page, dataDir);
    await page.getByText('The admin account is ready: sign in.').waitFor();
    await shot('login');
    await signIn(page, UI_ADMIN);
    expect(await page.getByTestId('current-user').innerText()).toContain(UI_ADMIN.username);
  });

  it('creates a global rule from a preset, with live compile feedback and a matching sample', async () => {
    await nav('Rules').click();
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
    // Every line counts in this scenario: no quiet time after a hit.
    await page.getByLabel('Cooldown (seconds)').fill('0');
    await shot('rule-editor');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/rules\/\d+$/);

    await nav('Rules').click();
    await page.getByTestId('rules').getByRole('link', { name: RULE_NAME }).waitFor();
    await shot('rules');
  });

  it('shows a matching line live in the events feed, without a reload', async () => {
    await nav('Events').click();
    // The feed is connected before the line is printed: it must arrive over the stream.
    await page.locator('.live-open').waitFor();
    containerId = await runContainer(`echo starting up; sleep 1; echo "${LINE}"; sleep 600`, {
      name: `lw-ui-${run}`,
    });
    containers.add(containerId);
    const row = page.locator('.event-row', { hasText: LINE });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.innerText()).toContain(RULE_NAME);
    await shot('events');

    await row.locator('a.event-link').click();
    await page.getByTestId('event-message').getByText(LINE).waitFor();
    await page.locator('.captures').getByText(LINE.slice('panic: '.length)).waitFor();
    await shot('event-detail');
  }, 60_000);

  it("highlights the hits in the container's log viewer: the recorded one and a live one", async () => {
    await go(page, `/containers/${containerId}`);
    // Printed before the viewer opened: Docker sends it back, the event log says it hit.
    const recorded = page.locator('.log-line.log-hit', { hasText: LINE });
    await recorded.waitFor({ timeout: 30_000 });
    expect(await recorded.getByTestId('hit-rule').innerText()).toBe(RULE_NAME);
    const plain = page.locator('.log-line', { hasText: 'starting up' });
    expect(await plain.getAttribute('class')).not.toContain('log-hit');

    // Printed while the viewer is open: the scanner's tail says which rules it hit.
    await printInContainer(containerId, LIVE_LINE);
    const live = page.locator('.log-line.log-hit', { hasText: LIVE_LINE });
    await live.waitFor({ timeout: 30_000 });
    expect(await live.getByTestId('hit-rule').innerText()).toBe(RULE_NAME);
    await shot('container');
  }, 60_000);

  it('creates a webhook trigger to a loopback receiver; its secret is shown once; "send test" succeeds', async () => {
    await nav('Triggers').click();
    await page.getByRole('link', { name: 'New trigger' }).click();
    await page.getByLabel('Name').fill('Loopback hook');
    await page.getByLabel('URL').fill(`${receiver.url}/hook`);
    // A new trigger notifies when an incident opens and resolves; the hits below join the
    // incident the first one opened, so this trigger asks for every event.
    await page.getByLabel('every event', { exact: true }).check();
    await page.getByLabel('incident opened', { exact: true }).uncheck();
    await page.getByLabel('incident resolved', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await page.waitForURL(/\/triggers\/\d+$/);
    signingSecret = (await page.getByTestId('signing-secret').innerText()).trim();
    expect(signingSecret).toMatch(/^whsec_/);

    await page.getByRole('button', { name: 'Send test' }).click();
    const outcome = page.getByTestId('test-outcome');
    await outcome.waitFor();
    expect(await outcome.innerText()).toContain('✓ delivered · answered 200');
    const test = verified(receiver.requests.at(-1)!);
    expect(test).toMatchObject({ test: true, trigger: { name: 'Loopback hook' } });
    await shot('trigger-editor');

    // Once dismissed (or on any later visit) the secret is not shown again.
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('signing-secret').count()).toBe(0);
  });

  it('a new hit is delivered, and the delivery appears in the history', async () => {
    const before = receiver.requests.length;
    await printInContainer(containerId, DELIVERED_LINE);
    // The trigger's page reads its deliveries every few seconds.
    const row = page.getByTestId('deliveries').locator('tr[data-delivery-status="sent"]');
    await row.first().waitFor({ timeout: 30_000 });
    const delivered = await eventually(
      () => receiver.requests.slice(before).find((r) => r.body.includes(DELIVERED_LINE)),
      30_000,
    );
    const payload = verified(delivered);
    expect(payload.test).toBe(false);
    expect(payload.event.message).toBe(DELIVERED_LINE);

    await nav('Triggers').click();
    const recent = page.getByTestId('deliveries').locator('tr[data-delivery-status="sent"]');
    await recent.getByRole('link', { name: 'Loopback hook' }).first().waitFor();
    await shot('triggers');

    // The event's page lists where it was sent.
    await recent.getByRole('link', { name: `#${payload.event.id}` }).click();
    await page.getByTestId('event-message').getByText(DELIVERED_LINE).waitFor();
    await page.getByTestId('deliveries').locator('tr[data-delivery-status="sent"]').waitFor();
  }, 60_000);

  it('signs out to the sign-in page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
