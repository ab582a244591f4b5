import { describe, expect, it } from 'vitest';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * The rule form's condition in real Chromium against a real `logwarden serve`: a count
 * rule grouped by a named capture is created from the form, stored as such, and shown
 * again when the rule is opened.
 */

const ui = signedInUi('rule-conditions');

describe('rule conditions in the rule form (real Chromium, real serve)', () => {
  it('creates a count rule from the form', async () => {
    const { page } = ui;
    await go(page, '/rules/new');
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByLabel('Name').fill('login flood');
    await page.getByLabel('Pattern').fill('failed login from (?P<ip>[0-9.]+)');
    await page.getByLabel('Fires on').selectOption('count');

    await page.getByLabel('At least (lines)').fill('5');
    await page.getByLabel('Window (seconds)').fill('10');
    await page.getByLabel('Counted per').fill('capture:ip');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/rules\/\d+$/);

    const id = Number(/\/rules\/(\d+)$/.exec(page.url())![1]);
    const rule = await ui.api.get<{ condition: unknown }>(`/api/rules/${id}`);
    expect(rule.condition).toEqual({
      type: 'count',
      threshold: 5,
      window_seconds: 10,
      group_by: 'capture:ip',
    });
    // Opened again, the form shows the stored condition.
    await page.reload();
    await page.getByLabel('Fires on').waitFor();
    expect(await page.getByLabel('Fires on').inputValue()).toBe('count');
    expect(await page.getByLabel('Counted per').inputValue()).toBe('capture:ip');
    // The list says what fires it.
    await go(page, '/rules');
    expect(await page.getByTestId('rule-condition').innerText()).toBe('≥ 5 in 10 s per ip');
  });
});
