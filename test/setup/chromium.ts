import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { CHROMIUM } from '../support/browser.js';

const run = promisify(execFile);

/**
 * Vitest global setup: the browser tests need Debian's Chromium. Installs it (as root)
 * when missing, so `npm test` works on a fresh machine; otherwise the run fails and
 * says why, never skipping the browser tests.
 */
export default async function setup(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `No Chromium at ${CHROMIUM} for the browser tests: apt-get install chromium (or set LOGWARDEN_TEST_CHROMIUM)`,
    );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60 * 1000 };
  const install = ['install', '-y', '-qq', '--no-install-recommends', 'chromium'];
  try {
    await run('apt-get', install, options).catch(async () => {
      await run('apt-get', ['update', '-qq'], options);
      await run('apt-get', install, options);
    });
  } catch (err) {
    throw new Error(`Installing Chromium for the browser tests failed: ${(err as Error).message}`);
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`apt-get installed chromium, but ${CHROMIUM} is missing`);
}
