import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { apiClient } from './api-client.js';
import { DESKTOP, launchChromium, watchConsole } from './browser.js';
import { removeContainers } from './docker-cli.js';
import {
  serveForTest,
  stopServed,
  TEST_ADMIN,
  type LogwardenProcess,
} from './logwarden-process.js';
import { signIn } from './ui-session.js';
import { ensureWebBuild } from './web-build.js';

/** What a browser test file works with; filled in by its beforeAll. */
export interface SignedInUi {
  url: string;
  proc: LogwardenProcess;
  api: ReturnType<typeof apiClient>;
  browser: Browser;
  /** Signed in as TEST_ADMIN. */
  page: Page;
  /** Containers the file started: removed after its last test. */
  containers: Set<string>;
}

/**
 * A browser test file's fixture: a real `logwarden serve` on a fresh data directory and
 * one admin page in Chromium. Registers the file's hooks: every test ends without a
 * browser console error, and everything is stopped and removed after the last one.
 */
export function signedInUi(
  name: string,
  options: { env?: Record<string, string>; onPage?: (page: Page) => void } = {},
): SignedInUi {
  const ui = { containers: new Set<string>() } as SignedInUi;
  let dataDir: string | undefined;
  let console_: ReturnType<typeof watchConsole> | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `lw-${name}-`));
    await ensureWebBuild();
    const { proc, url, token } = await serveForTest(dataDir, options.env);
    Object.assign(ui, { proc, url, api: apiClient(url, token) });
    ui.browser = await launchChromium();
    ui.page = await (await ui.browser.newContext({ viewport: DESKTOP })).newPage();
    ui.page.setDefaultTimeout(20_000);
    console_ = watchConsole(ui.page);
    options.onPage?.(ui.page);
    await ui.page.goto(`${url}/`);
    await signIn(ui.page, TEST_ADMIN);
  });

  afterEach(() => {
    expect(console_?.take(), 'browser console errors').toEqual([]);
  });

  afterAll(async () => {
    await ui.browser?.close();
    if (ui.proc) await stopServed(ui.proc);
    await removeContainers(ui.containers);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  return ui;
}
