import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export interface Credentials {
  username: string;
  password: string;
}

/** The admin the scenario creates through the first-run setup page. */
export const UI_ADMIN: Credentials = { username: 'admin', password: 'scenario-password-1' };

/** The one-time token `logwarden serve` writes to its data directory while it has no users. */
export async function setupToken(dataDir: string): Promise<string> {
  return (await readFile(join(dataDir, 'setup-token'), 'utf8')).trim();
}

/** Navigates inside the running UI (no reload), as its own links do. */
export async function go(page: Page, path: string): Promise<void> {
  // Browser code as a string: the tests are compiled without the DOM library.
  await page.evaluate(
    `window.history.pushState(null, '', ${JSON.stringify(path)});
     window.dispatchEvent(new PopStateEvent('popstate'));`,
  );
}

/** First-run setup through the UI: the token from the data directory, the first admin. */
export async function completeSetup(page: Page, dataDir: string): Promise<void> {
  await page.getByRole('heading', { name: 'First-run setup' }).waitFor();
  await page.getByLabel('Setup token').fill(await setupToken(dataDir));
  await page.getByLabel('Admin username').fill(UI_ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(UI_ADMIN.password);
  await page.getByLabel('Password again').fill(UI_ADMIN.password);
  await page.getByRole('button', { name: 'Create admin' }).click();
}

/** The sign-in page, filled in and sent; resolves once the app shows who is signed in. */
export async function signIn(page: Page, who: Credentials = UI_ADMIN): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
}
