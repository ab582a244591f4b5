import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-triggers-crash-'));
const created = new Set<string>();
let proc: LogwardenProcess | null = null;
let receiver: WebhookReceiver | null = null;

async function serve() {
  const served = await serveForTest(dir, { LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true' });
  proc = served.proc;
  return apiClient(served.url, served.token);
}

afterAll(async () => {
  if (proc) await stopServed(proc, 'SIGKILL');
  await receiver?.close();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

interface Delivery {
  id: number;
  event_id: number;
  status: string;
  message_id: string;
}

async function numbered(from: number, to: number) {
  const id = await runContainer(
    `sleep 0.5; i=${from}; while [ $i -le ${to} ]; do echo "NOTIFY $i"; i=$((i+1)); done; sleep 3600`,
  );
  created.add(id);
}

describe('deliveries survive a crash', () => {
  it('kill -9 with 10 deliveries pending: after a restart all are delivered, none twice', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    let api = await serve();
    await api.post('/api/rules', { name: 'notify', pattern: 'NOTIFY \\d+', cooldown_seconds: 0 });
    const trigger = await api.post<{ id: number; secret: string }>('/api/triggers', {
      name: 'crash test',
      filter: { message_regex: '^NOTIFY ' },
      // Every line is one delivery: that is what this counts.
      notify_on: ['event'],
      channel: { type: 'webhook', url: `${receiver.url}/hook` },
    });
    const list = async () =>
      (await api.get<{ items: Delivery[] }>(`/api/triggers/${trigger.id}/deliveries?limit=500`))
        .items;

    // Five go through while the receiver answers.
    await numbered(1, 5);
    await eventually(
      async () => (await list()).filter((d) => d.status === 'sent').length === 5,
      60_000,
      'five sent',
    );

    // Then it stops answering: ten more wait in the outbox, some of them mid-request.
    receiver.respond(() => ({ hang: true }));
    await numbered(6, 15);
    await eventually(
      async () => (await list()).filter((d) => d.status === 'pending').length === 10,
      60_000,
      'ten pending',
    );
    await eventually(() => receiver!.requests.length > 5, 30_000, 'requests in flight');
    await stopServed(proc!, 'SIGKILL');
    proc = null;

    receiver.respond(() => ({ status: 200 }));
    api = await serve();
    const final = await eventually(
      async () => {
        const all = await list();
        return all.length === 15 && all.every((d) => d.status === 'sent') ? all : undefined;
      },
      60_000,
      'all fifteen sent',
    );

    // Each delivery was answered 200 exactly once, under its own webhook-id.
    const answered = receiver.requests.filter((r) => r.answered === 200);
    const tally = new Map<string, number>();
    for (const r of answered) {
      const id = String(r.headers['webhook-id']);
      tally.set(id, (tally.get(id) ?? 0) + 1);
      expect(() =>
        new Webhook(trigger.secret).verify(r.body, r.headers as Record<string, string>),
      ).not.toThrow();
    }
    expect([...tally.keys()].sort()).toEqual(final.map((d) => d.message_id).sort());
    expect([...tally.values()].every((n) => n === 1)).toBe(true);
    const messages = answered.map(
      (r) => (JSON.parse(r.body) as { event: { message: string } }).event.message,
    );
    expect(messages.sort()).toEqual(Array.from({ length: 15 }, (_, i) => `NOTIFY ${i + 1}`).sort());
  }, 240_000);
});
