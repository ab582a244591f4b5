import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { elementShot, screenshots } from '../support/browser.js';
import { runContainer } from '../support/docker-cli.js';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * The log viewer in real Chromium against a real `logwarden serve` and dockerd: how a
 * log is rendered (JSON fields, levels, a grouped traceback, ANSI colours, markup kept
 * as text, the display choices kept). "See in context" is log-context.test.ts.
 */

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

const ui = signedInUi('logview');

/** The record (one `.log-line`) holding the text. */
const record = (text: string) => ui.page.locator('.log-line', { hasText: text });

/** The browser's getComputedStyle (the tests are compiled without the DOM library). */
type StyleOf = { getComputedStyle(node: unknown): { getPropertyValue(p: string): string } };

/** A computed style property of the element. */
const css = (el: Locator, property: string) =>
  el.evaluate(
    (node, p) => (globalThis as unknown as StyleOf).getComputedStyle(node).getPropertyValue(p),
    property,
  );

describe('log viewer rendering (real Chromium, real serve, real dockerd)', () => {
  let id: string;

  it('shows a JSON line as fields: message, level, the rest; the raw line one click away', async () => {
    id = await runContainer(RENDER_SCRIPT, { name: `lw-render-${Date.now().toString(36)}` });
    ui.containers.add(id);
    await go(ui.page, `/containers/${id}`);
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
    await elementShot(ui.page.locator('.log-viewer'), 'log-viewer-json');
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

    const levels = ui.page.getByRole('group', { name: 'Levels' });
    await levels.getByRole('button', { name: /^warn/ }).click();
    await expect.poll(() => ui.page.locator('.log-line').count(), { timeout: 10_000 }).toBe(1);
    expect(await ui.page.locator('.log-line').innerText()).toContain('slow query');
    await levels.getByRole('button', { name: /^error/ }).click();
    // The ERROR line, the JSON line and the traceback (its exception names no level).
    await expect.poll(() => ui.page.locator('.log-line').count(), { timeout: 10_000 }).toBe(4);
    await levels.getByRole('button', { name: /^warn/ }).click();
    await levels.getByRole('button', { name: /^error/ }).click();
    await expect.poll(() => ui.page.locator('.log-line').count(), { timeout: 10_000 }).toBe(8);
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
    expect(await ui.page.locator('.log-line', { hasText: 'ValueError: bad input' }).count()).toBe(
      1,
    );
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
    await elementShot(ui.page.locator('.log-viewer'), 'log-viewer-rendering');
    await screenshots(ui.page, 'log-viewer');
  });

  it('shows <script> inside JSON and inside ANSI text as text: no script element is made', async () => {
    const ansi = record('after-erase');
    expect(await ansi.innerText()).toContain(`${ANSI_SCRIPT} after-erase`);
    expect(await ansi.locator('span.ansi-fg-5').innerText()).toBe(ANSI_SCRIPT);
    expect(await record('payment failed').innerText()).toContain(JSON_SCRIPT);
    expect(await ui.page.locator('.log-viewer script').count()).toBe(0);
    expect(
      await ui.page.evaluate(() => (globalThis as { __lwXss?: number }).__lwXss),
    ).toBeUndefined();
  });

  it('toggles timestamps (local, UTC, relative) and wrapping, and remembers both', async () => {
    const ts = ui.page.locator('.log-line .log-ts').first();
    const clock = ui.page.getByLabel('Timestamps');
    await clock.selectOption('utc');
    expect(await ts.innerText()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z$/);
    await clock.selectOption('relative');
    expect(await ts.innerText()).toMatch(/^(now|\d+[smhd] ago)$/);
    await ui.page.getByLabel('wrap lines').uncheck();
    expect(await ui.page.locator('.log-scroll').getAttribute('class')).toContain('log-nowrap');

    await ui.page.reload();
    await record('dimmed').waitFor({ timeout: 30_000 });
    expect(await ui.page.getByLabel('Timestamps').inputValue()).toBe('relative');
    expect(await ui.page.getByLabel('wrap lines').isChecked()).toBe(false);
    expect(await ui.page.locator('.log-scroll').getAttribute('class')).toContain('log-nowrap');
    await ui.page.getByLabel('Timestamps').selectOption('local');
    expect(await ui.page.locator('.log-line .log-ts').first().innerText()).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3}$/,
    );
    await ui.page.getByLabel('wrap lines').check();
  }, 60_000);
});
