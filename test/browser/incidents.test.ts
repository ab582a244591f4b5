import { describe, expect, it } from 'vitest';
import { runContainer, uniqueName } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * Incidents in real Chromium against a real `logwarden serve` and dockerd: a container
 * printing a matching line every second makes one open incident, listed with its count;
 * its detail shows its events, each event links to it; when the lines stop it resolves
 * (a short quiet period set for the test) and moves to the resolved tab.
 */

const ui = signedInUi('incidents', {
  env: { LOGWARDEN_INCIDENTS_SWEEP_SECONDS: '1' },
});

interface Ev {
  id: number;
  incident_id: number | null;
}

describe('incidents page (real Chromium, real serve, real dockerd)', () => {
  const NEEDLE = `needle-inc-${Date.now().toString(36)}`;
  let incidentId: number;

  it('lists the open incident with its count, shows its events, and events link to it', async () => {
    await ui.api.post('/api/rules', {
      name: 'incident needle',
      pattern: NEEDLE,
      severity: 'error',
      cooldown_seconds: 0,
      resolve_after_seconds: 5,
    });
    // Five lines, then quiet: one incident that resolves 5 s after the last one.
    const id = await runContainer(
      `for i in 1 2 3 4 5; do echo "${NEEDLE} $i"; sleep 1; done; sleep 3600`,
      { name: uniqueName('inc') },
    );
    ui.containers.add(id);
    const first = await eventually(async () => {
      const list = await ui.api.get<{ items: Ev[] }>(`/api/events?container=${id}&source=logscan`);
      return list.items.length >= 2 ? list.items[list.items.length - 1] : undefined;
    }, 30_000);
    expect(first.incident_id).not.toBeNull();
    incidentId = first.incident_id!;

    await go(ui.page, `/events/${first.id}`);
    await ui.page.getByTestId('event-incident').click();
    await ui.page.waitForURL(new RegExp(`/incidents/${incidentId}$`));
    await ui.page.getByTestId('incident-events').locator('[data-event-id]').first().waitFor();
    expect(
      await ui.page.getByTestId('incident-events').locator(`[data-event-id="${first.id}"]`).count(),
    ).toBe(1);

    await go(ui.page, '/incidents');
    await ui.page.getByTestId('tab-all').click();
    const row = ui.page.getByTestId('incidents').locator(`tr[data-incident-id="${incidentId}"]`);
    await row.waitFor();
    expect(Number(await row.getByTestId('incident-count').innerText())).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it('shows it resolved once the lines stop, with all five counted', async () => {
    await eventually(async () => {
      const one = await ui.api.get<{ state: string }>(`/api/incidents/${incidentId}`);
      return one.state === 'resolved' || undefined;
    }, 60_000);
    await go(ui.page, '/incidents');
    await ui.page.getByTestId('tab-resolved').click();
    const row = ui.page
      .getByTestId('incidents')
      .locator(`tr[data-incident-id="${incidentId}"][data-state="resolved"]`);
    await row.waitFor();
    expect(await row.getByTestId('incident-count').innerText()).toBe('5');
    await go(ui.page, `/incidents/${incidentId}`);
    expect(await ui.page.getByTestId('incident-state').innerText()).toBe('resolved');
    expect(await ui.page.getByTestId('incident-count').innerText()).toBe('5');
  }, 90_000);
});
