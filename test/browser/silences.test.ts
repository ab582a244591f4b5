import { describe, expect, it } from 'vitest';
import { runContainer, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * Silences in real Chromium against a real `logwarden serve` and dockerd: "silence this"
 * on an event opens the form prefilled with its rule and container; the silence is
 * listed, the container's next hits are recorded marked silenced; ending it moves it to
 * the expired list, and a short one is seen running out on its own.
 */

const ui = signedInUi('silences');

interface Ev {
  id: number;
  silenced_by: number | null;
}

describe('silences page (real Chromium, real serve, real dockerd)', () => {
  const NEEDLE = `needle-sil-${Date.now().toString(36)}`;
  const name = uniqueName('sil');
  let ruleId: number;
  let silenceId: number;

  it('silences an event from its page: prefilled, listed, next hits marked', async () => {
    const rule = await ui.api.post<{ id: number }>('/api/rules', {
      name: 'silence needle',
      pattern: NEEDLE,
      severity: 'error',
      cooldown_seconds: 0,
    });
    ruleId = rule.id;
    const id = await runContainer(`while true; do echo "${NEEDLE} tick"; sleep 1; done`, {
      name,
    });
    ui.containers.add(id);
    const first = await eventually(async () => {
      const list = await ui.api.get<{ items: Ev[] }>(`/api/events?container=${id}&source=logscan`);
      return list.items[0];
    }, 30_000);
    expect(first.silenced_by).toBeNull();

    await go(ui.page, `/events/${first.id}`);
    await ui.page.getByTestId('silence-this').click();
    await ui.page.waitForURL(/\/silences\?/);
    const form = ui.page.getByTestId('silence-form');
    expect(await form.locator('input[name="rules"]').inputValue()).toBe(String(ruleId));
    expect(await form.locator('input[name="containers"]').inputValue()).toBe(name);
    await form.locator('input[name="comment"]').fill('noisy while we fix it');
    await form.getByRole('button', { name: 'Create silence' }).click();

    const row = ui.page.getByTestId('silences-active').locator('tr[data-silence-id]');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().innerText()).toContain('noisy while we fix it');
    silenceId = Number(await row.first().getAttribute('data-silence-id'));

    const silenced = await eventually(async () => {
      const list = await ui.api.get<{ items: Ev[] }>(`/api/events?container=${id}&source=logscan`);
      return list.items.find((e) => e.silenced_by === silenceId);
    }, 30_000);
    await go(ui.page, `/events/${silenced.id}`);
    expect(await ui.page.getByTestId('silenced').innerText()).toContain(`#${silenceId}`);
  }, 90_000);

  it('silence this on an incident: its rule and container prefilled', async () => {
    const incident = await eventually(async () => {
      const list = await ui.api.get<{ items: { id: number; rule_id: number | null }[] }>(
        '/api/incidents',
      );
      return list.items.find((i) => i.rule_id === ruleId);
    }, 30_000);
    await go(ui.page, `/incidents/${incident.id}`);
    await ui.page.getByTestId('silence-this').click();
    await ui.page.waitForURL(/\/silences\?/);
    const form = ui.page.getByTestId('silence-form');
    expect(await form.locator('input[name="rules"]').inputValue()).toBe(String(ruleId));
    expect(await form.locator('input[name="containers"]').inputValue()).not.toBe('');
  }, 60_000);

  it('ends a silence: it moves to the expired list', async () => {
    await go(ui.page, '/silences');
    const active = ui.page
      .getByTestId('silences-active')
      .locator(`tr[data-silence-id="${silenceId}"]`);
    await active.getByRole('button', { name: 'End' }).click();
    await ui.page
      .getByTestId('silences-expired')
      .locator(`tr[data-silence-id="${silenceId}"]`)
      .waitFor();
    expect(await ui.page.getByTestId('silences-active').count()).toBe(0);
  }, 60_000);

  it('a silence that runs out is seen expiring on the page', async () => {
    const short = await ui.api.post<{ id: number }>('/api/silences', {
      matchers: { rules: [ruleId] },
      ends_at: new Date(Date.now() + 4_000).toISOString(),
      comment: 'a short one',
    });
    await go(ui.page, '/silences');
    await ui.page
      .getByTestId('silences-active')
      .locator(`tr[data-silence-id="${short.id}"]`)
      .waitFor();
    // The page reads the list again on its own; nobody reloads it.
    await ui.page
      .getByTestId('silences-expired')
      .locator(`tr[data-silence-id="${short.id}"]`)
      .waitFor({ timeout: 40_000 });
  }, 60_000);
});
