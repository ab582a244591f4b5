import { describe, expect, it } from 'vitest';
import { elementShot } from '../support/browser.js';
import { runContainer, waitExit } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { signedInUi } from '../support/signed-in-ui.js';
import { go } from '../support/ui-session.js';

/**
 * "See in context" in real Chromium against a real `logwarden serve` and dockerd: from
 * an event (its row, its page) to the container's log at the hit, read from the
 * history API with the lines around it, the hit highlighted, more loaded either way;
 * and a crash's last lines before the exit.
 */

const ui = signedInUi('logctx');

/** The record (one `.log-line`) holding the text. */
const record = (text: string) => ui.page.locator('.log-line', { hasText: text });

describe('see in context (real Chromium, real serve, real dockerd)', () => {
  const NEEDLE = `needle-ctx-${Date.now().toString(36)}`;
  let hitId: string;

  it('from an event, opens the container log at the hit: lines around it, the hit highlighted', async () => {
    await ui.api.post('/api/rules', { name: 'context needle', pattern: NEEDLE, severity: 'error' });
    hitId = await runContainer(
      `i=1; while [ $i -le 80 ]; do echo "before $i"; i=$((i+1)); done; echo "${NEEDLE} here"; ` +
        `i=1; while [ $i -le 80 ]; do echo "after $i"; i=$((i+1)); done; sleep 600`,
    );
    ui.containers.add(hitId);
    const event = await eventually(async () => {
      const list = await ui.api.get<{ items: { id: number }[] }>(
        `/api/events?container=${hitId}&source=logscan`,
      );
      return list.items[0];
    }, 30_000);

    await go(ui.page, `/events?container=${hitId}`);
    const row = ui.page.locator(`.event-row[data-event-id="${event.id}"]`);
    await row.getByTestId('see-in-context').click();
    await ui.page.waitForURL(/\/containers\/[0-9a-f]+\?at=/);

    const hit = ui.page.locator('.log-line.log-anchor');
    await hit.waitFor({ timeout: 30_000 });
    expect(await hit.innerText()).toContain(`${NEEDLE} here`);
    expect(await hit.getByTestId('hit-rule').innerText()).toBe('context needle');
    expect(await ui.page.locator('.log-line.log-anchor').count()).toBe(1);
    // About 50 lines either side of it, read from the history; not the whole log.
    await record('before 40').first().waitFor();
    await record('after 40').first().waitFor();
    expect(await ui.page.locator('.log-line', { hasText: /before 1$/ }).count()).toBe(0);
    expect(await ui.page.locator('.log-line', { hasText: /after 80$/ }).count()).toBe(0);
    // The hit is scrolled into view: within the scrolling box, not merely rendered.
    const scrollBox = ui.page.locator('.log-scroll');
    await expect
      .poll(
        async () => {
          const [h, box] = [await hit.boundingBox(), await scrollBox.boundingBox()];
          return (
            !!h && !!box && h.y >= box.y && h.y + h.height <= box.y + box.height && h.height > 0
          );
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await elementShot(ui.page.locator('.log-viewer'), 'log-viewer-context');

    await ui.page.getByRole('button', { name: 'Load earlier lines' }).click();
    await ui.page.locator('.log-line', { hasText: /before 1$/ }).waitFor();
    await ui.page.getByRole('button', { name: 'Load later lines' }).click();
    await ui.page.locator('.log-line', { hasText: /after 80$/ }).waitFor();
    await ui.page.getByRole('button', { name: 'Load earlier lines' }).click();
    await ui.page.getByText('The log starts here.').waitFor();
  }, 90_000);

  it("from the event's page too, and back to the live log", async () => {
    const list = await ui.api.get<{ items: { id: number }[] }>(
      `/api/events?container=${hitId}&source=logscan`,
    );
    await go(ui.page, `/events/${list.items[0]!.id}`);
    await ui.page.getByTestId('see-in-context').click();
    await ui.page.locator('.log-line.log-anchor', { hasText: NEEDLE }).waitFor({ timeout: 30_000 });
    await ui.page.getByRole('link', { name: 'Back to the live log' }).click();
    await ui.page.getByTestId('live-status').waitFor();
    expect(await ui.page.locator('.log-line.log-anchor').count()).toBe(0);
  }, 60_000);

  it('a crash opens the last lines before the exit', async () => {
    const crashed = await runContainer(
      'i=1; while [ $i -le 59 ]; do echo "working $i"; i=$((i+1)); done; echo "fatal: giving up"; exit 3',
    );
    ui.containers.add(crashed);
    expect(await waitExit(crashed)).toBe(3);
    const crash = await eventually(async () => {
      const list = await ui.api.get<{ items: { id: number; metadata: { kind?: string } }[] }>(
        `/api/events?container=${crashed}&source=docker`,
      );
      return list.items.find((e) => e.metadata.kind === 'crash');
    }, 30_000);
    await go(ui.page, `/events/${crash.id}`);
    await ui.page.getByTestId('see-in-context').click();
    await ui.page.waitForURL(/\/containers\/[0-9a-f]+\?until=/);
    await ui.page.getByTestId('log-context').getByText('before the container exited').waitFor();
    await record('fatal: giving up').waitFor({ timeout: 30_000 });
    const texts = await ui.page.locator('.log-line .log-text').allInnerTexts();
    // 60 lines printed; the last 50 before the exit shown, not the whole log.
    expect(texts).toEqual([
      ...Array.from({ length: 49 }, (_, i) => `working ${i + 11}`),
      'fatal: giving up',
    ]);
  }, 60_000);
});
