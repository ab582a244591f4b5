import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`), driven through playwright-core. */
export const CHROMIUM = process.env.LOGWARDEN_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 780 };

const root = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOT_DIR = join(root, 'test-output', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/**
 * API answers the UI asks for and handles, which Chromium still logs as "Failed to load
 * resource": the sign-in page learns from /api/me's 401 that nobody is signed in, a
 * wrong password is /api/login's 401, and the rule editor's compile feedback is a 400
 * from /api/rules/test. Nothing else may reach the console.
 */
const HANDLED_ANSWERS: { status: number; path: RegExp }[] = [
  { status: 401, path: /^\/api\/(me|login)$/ },
  { status: 400, path: /^\/api\/rules\/test$/ },
];

function isHandledAnswer(message: ConsoleMessage): boolean {
  const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(
    message.text(),
  );
  if (!m) return false;
  const status = Number(m[1]);
  let path: string;
  try {
    path = new URL(message.location().url).pathname;
  } catch {
    return false;
  }
  return HANDLED_ANSWERS.some((a) => a.status === status && a.path.test(path));
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchConsole(page: Page) {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error' || isHandledAnswer(message)) return;
    errors.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  return {
    /** The errors since the last call, and forget them. */
    take(): string[] {
      return errors.splice(0, errors.length);
    },
  };
}

/** Screenshots of the page as it is, at desktop width and at 360 px. */
/** A picture of one element under test-output/screenshots/ (docs/img copies some by hand). */
export async function elementShot(element: Locator, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await element.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize();
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['360px', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    // Let the layout settle at the new width before the picture.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(null)))');
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${label}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

/** Calls the API with the browser's own session (its cookie, its origin). */
export function sessionApi(context: BrowserContext, baseUrl: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await context.request.fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        origin: baseUrl,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      data: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok()) throw new Error(`${method} ${path} → ${res.status()}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown) => call<T>('POST', path, body),
  };
}
