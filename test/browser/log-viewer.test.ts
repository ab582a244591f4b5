import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  launchChromium,
  SCREENSHOT_DIR,
  screenshots,
  watchConsole,
} from '../support/browser.js';
import { removeContainers, runContainer } from '../support/docker-cli.js';
import {
  serveForTest,
  stopServed,
  TEST_ADMIN,
  type LogwardenProcess,
} from '../support/logwarden-process.js';
import { go, signIn } from '../support/ui-session.js';
import { ensureWebBuild } from '../support/web-build.js';

/**
 * The log viewer in real Chromium against a real `logwarden serve` and dockerd: how a
 * log is rendered (JSON fields, levels, a grouped traceback, ANSI colours, markup kept
 * as text, the display choices kept). "See in context" is log-context.test.ts.
 */

let dataDir: string;
let proc: LogwardenProcess;
let url: string;
let browser: Browser;
let page: Page;
let console_: ReturnType<typeof watchConsole>;
const containers = new Set<string>();

/** Markup that would run if the viewer ever handed log text to the HTML parser. */
const JSON_SCRIPT = '<script>window.__lwXss=1</script>';
const ANSI_SCRIPT = '<script>window.__lwXss=2</script>';

/** What the rendering container prints: every case of the issue, once. */
const RENDER_SCRIPT = [
  `echo 'DEBUG cache warmed in 12ms'`,
  `echo 'INFO listening on :8080'`,
  `echo 'WARN slow query took 1200ms'`,
  `echo 'ERROR connection refused by db:5432'`,
  `echo '{"time":"2026-12-01T10:00:00Z","level":"error","msg":"payment failed ${JSON_SCRIPT}","order":42,"user":{"id":7}}'`,
  `printf 'Traceback (most recent call last):\\n  File "/app/main.py", line 10, in <module>\\n    main()\\nValueError: bad input\\n' >&2`,
  `printf 'colours: \\033[31mred\\033[0m \\033[1;32mbold-green\\033[0m \\033[38;5;208morange256\\033[0m \\033[38;2;10;200;30mtruecolor\\033[0m \\033[4;3munder-italic\\033[0m \\033[2mdimmed\\033[0m\\n'`,
  `printf '\\033[35m${ANSI_SCRIPT}\\033[0m \\033[2Kafter-erase\\n'`,
  'sleep 600',
].join('\n');

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lw-logview-'));
  await ensureWebBuild();
  ({ proc, url } = await serveForTest(dataDir));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: DESKTOP });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  console_ = watchConsole(page);
  await page.goto(`${url}/`);
  await signIn(page, TEST_ADMIN);
});

afterEach(() => {
  expect(console_.take(), 'browser console errors').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  if (proc) await stopServed(proc);
  await removeContainers(containers);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The record (one `.log-line`) holding the text. */
const record = (text: string) => page.locator('.log-line', { hasText: text });

/** The browser's getComputedStyle (the tests are compiled without the DOM library). */
type StyleOf = { getComputedStyle(node: unknown): { getPropertyValue(p: string): string } };

/** A computed style property of the element. */
const css = (el: Locator, property: string) =>
  el.evaluate(
    (node, p) => (globalThis as unknown as StyleOf).getComputedStyle(node).getPropertyValue(p),
    property,
  );

/** A picture of the log viewer for docs/ (copied there by hand from test-output/). */
async function viewerShot(name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page
    .locator('.log-viewer')
    .screenshot({ path: join(SCREENSHOT_DIR, `log-viewer-${name}.png`) });
}

describe('log viewer rendering (real Chromium, real serve, real dockerd)', () => {
  let id: string;

  it('shows a JSON line as fields: message, level, the rest; the raw line one click away', async () => {
    id = await runContainer(RENDER_SCRIPT, { name: `lw-render-${Date.now().toString(36)}` });
    containers.add(id);
    await go(page, `/containers/${id}`);
    await record('dimmed').waitFor({ timeout: 30_000 });

    const json = record('payment failed');
    expect(await json.getAttribute('data-level')).toBe('error');
    expect(await json.getByTestId('log-level').innerText()).toMatch(/error/i);
    expect(await json.getByTestId('log-json-message').innerText()).toBe(
      `payment failed ${JSON_SCRIPT}`,
    );
    const compact = await json.locator('.log-json-field').allInnerTexts();
    expect(compact).toEqual([
      'level=error',
      'time=2026-12-01T10:00:00Z',
      'order=42',
      'user={"id":7}',
    ]);

    await json.getByRole('button', { name: 'Show every field' }).click();
    expect(await json.locator('.log-json-table dt').allInnerTexts()).toEqual([
      'msg',
      'level',
      'time',
      'order',
      'user',
    ]);
    await viewerShot('json');
    await json.getByRole('button', { name: 'Fold the fields' }).click();

    await json.getByRole('button', { name: 'raw' }).click();
    expect(await json.locator('.log-text').innerText()).toContain('{"time":"2026-12-01T10:00:00Z"');
    await json.getByRole('button', { name: 'fields' }).click();
    await json.getByTestId('log-json-message').waitFor();
  }, 60_000);

  it('detects levels, shows them as badges and filters by them', async () => {
    const levelOf = (text: string) => record(text).getAttribute('data-level');
    expect(await levelOf('cache warmed')).toBe('debug');
    expect(await levelOf('listening on')).toBe('info');
    expect(await levelOf('slow query')).toBe('warn');
    expect(await levelOf('connection refused')).toBe('error');
    expect(await record('colours:').getAttribute('data-level')).toBeNull();

    const levels = page.getByRole('group', { name: 'Levels' });
    await levels.getByRole('button', { name: /^warn/ }).click();
    await expect.poll(() => page.locator('.log-line').count()).toBe(1);
    expect(await page.locator('.log-line').innerText()).toContain('slow query');
    await levels.getByRole('button', { name: /^error/ }).click();
    // The ERROR line, the JSON line and the traceback (its exception names no level).
    await expect.poll(() => page.locator('.log-line').count()).toBe(4);
    await levels.getByRole('button', { name: /^warn/ }).click();
    await levels.getByRole('button', { name: /^error/ }).click();
    await expect.poll(() => page.locator('.log-line').count()).toBe(8);
  });

  it('groups a Python traceback into one record', async () => {
    const trace = record('Traceback (most recent call last):');
    expect(await trace.count()).toBe(1);
    expect(await trace.getAttribute('class')).toContain('log-stderr');
    expect(await trace.getByTestId('log-continued').locator('.log-text').allInnerTexts()).toEqual([
      '  File "/app/main.py", line 10, in <module>',
      '    main()',
      'ValueError: bad input',
    ]);
    expect(await trace.getAttribute('data-level')).toBe('error');
    // The continuation lines are no records of their own.
    expect(await page.locator('.log-line', { hasText: 'ValueError: bad input' }).count()).toBe(1);
  });

  it('renders ANSI colours and attributes as styled spans, other escapes removed', async () => {
    const line = record('colours:');
    expect(await line.innerText()).toContain(
      'colours: red bold-green orange256 truecolor under-italic dimmed',
    );
    const span = (text: string) => line.locator('span.ansi', { hasText: text });
    expect(await span('red').getAttribute('class')).toBe('ansi ansi-fg-1');
    expect(await css(span('red'), 'color')).toBe('rgb(207, 34, 46)');
    expect(await span('bold-green').getAttribute('class')).toBe('ansi ansi-fg-2 ansi-bold');
    expect(await css(span('bold-green'), 'font-weight')).toBe('700');
    expect(await css(span('orange256'), 'color')).toBe('rgb(255, 135, 0)');
    expect(await css(span('truecolor'), 'color')).toBe('rgb(10, 200, 30)');
    expect(await css(span('under-italic'), 'font-style')).toBe('italic');
    expect(await css(span('under-italic'), 'text-decoration-line')).toBe('underline');
    expect(await css(span('dimmed'), 'opacity')).toBe('0.65');
    expect(await line.innerText()).not.toContain('\u001b');
    expect(await line.innerText()).not.toContain('[0m');
    await viewerShot('rendering');
    await screenshots(page, 'log-viewer');
  });

  it('shows <script> inside JSON and inside ANSI text as text: no script element is made', async () => {
    const ansi = record('after-erase');
    expect(await ansi.innerText()).toContain(`${ANSI_SCRIPT} after-erase`);
    expect(await ansi.locator('span.ansi-fg-5').innerText()).toBe(ANSI_SCRIPT);
    expect(await record('payment failed').innerText()).toContain(JSON_SCRIPT);
    expect(await page.locator('.log-viewer script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __lwXss?: number }).__lwXss)).toBeUndefined();
  });

  it('toggles timestamps (local, UTC, relative) and wrapping, and remembers both', async () => {
    const ts = page.locator('.log-line .log-ts').first();
    const clock = page.getByLabel('Timestamps');
    await clock.selectOption('utc');
    expect(await ts.innerText()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z$/);
    await clock.selectOption('relative');
    expect(await ts.innerText()).toMatch(/^(now|\d+[smhd] ago)$/);
    await page.getByLabel('wrap lines').uncheck();
    expect(await page.locator('.log-scroll').getAttribute('class')).toContain('log-nowrap');

    await page.reload();
    await record('dimmed').waitFor({ timeout: 30_000 });
    expect(await page.getByLabel('Timestamps').inputValue()).toBe('relative');
    expect(await page.getByLabel('wrap lines').isChecked()).toBe(false);
    expect(await page.locator('.log-scroll').getAttribute('class')).toContain('log-nowrap');
    await page.getByLabel('Timestamps').selectOption('local');
    expect(await page.locator('.log-line .log-ts').first().innerText()).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3}$/,
    );
    await page.getByLabel('wrap lines').check();
  }, 60_000);
});
