import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer, waitExit } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

interface ApiEvent {
  id: number;
  source: string;
  message: string;
  container_id: string | null;
  metadata: Record<string, unknown>;
  context?: { before: string[]; after: string[] } | null;
}

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
let receiver: WebhookReceiver;
const created = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-context-'));
  receiver = await startReceiver();
  const served = await serveForTest(dir, { LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true' });
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  await receiver.close();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

const BEFORE = [1, 2, 3, 4, 5].map((i) => `INFO step ${i} of the job`);
const HEAD = 'Exception in thread "main" java.lang.IllegalStateException: boom';
const FRAMES = Array.from(
  { length: 10 },
  (_, i) => `\tat com.example.Worker.step${i}(Worker.java:${i + 10})`,
);
const CAUSE = 'Caused by: java.io.IOException: disk full';
const AFTER_PAUSE = 'INFO shutting down';

/** Prints each line as given (tabs and quotes included) through the environment. */
function printing(lines: string[], prefix: string): { env: string[]; script: string } {
  const env = lines.flatMap((line, i) => ['-e', `${prefix}${i}=${line}`]);
  const script = lines.map((_, i) => `printf '%s\\n' "$${prefix}${i}"`).join('; ');
  return { env, script };
}

describe('the lines around a hit, end to end', () => {
  it('a Java stack trace after five lines makes one event with the five before and the whole trace after, and a webhook carrying them; the crash carries the last lines', async () => {
    const rule = await api.post<{ id: number; context: unknown }>('/api/rules', {
      name: 'exceptions',
      // Matches the head and the `Caused by:` line: the second is part of the first hit.
      pattern: 'Exception',
      severity: 'error',
      cooldown_seconds: 0,
    });
    expect(rule.context).toEqual({ before: 5, after: 10, multiline: true });
    const trigger = await api.post<{ id: number; secret: string; context_wait_seconds: number }>(
      '/api/triggers',
      {
        name: 'context hook',
        filter: { sources: ['logscan'] },
        channel: { type: 'webhook', url: `${receiver.url}/context` },
        notify_on: ['event'],
        // Long enough that the delivery waits for the context on a slow machine: it goes
        // as soon as the lines after are stored.
        context_wait_seconds: 30,
      },
    );
    expect(trigger.context_wait_seconds).toBe(30);
    // An incident's "opened" notice carries the event that opened it: it waits too.
    const opened = await api.post<{ id: number }>('/api/triggers', {
      name: 'incident hook',
      filter: { sources: ['logscan'] },
      channel: { type: 'webhook', url: `${receiver.url}/opened` },
      notify_on: ['opened'],
      context_wait_seconds: 30,
    });

    const trace = printing([...BEFORE, HEAD, ...FRAMES, CAUSE], 'T');
    const after = printing([AFTER_PAUSE], 'A');
    // The pause after the trace ends the record (the container went quiet); then a line
    // that belongs to no hit, and a crash.
    const id = await runContainer(`sleep 1; ${trace.script}; sleep 4; ${after.script}; exit 3`, {
      extra: [...trace.env, ...after.env],
    });
    created.add(id);

    const hit = await eventually(
      async () => {
        const { items } = await api.get<{ items: ApiEvent[] }>(
          `/api/events?source=logscan&container=${id}`,
        );
        const event = items[0];
        return items.length === 1 && event?.context && event.context.after.length > 0
          ? event
          : undefined;
      },
      60_000,
      'the hit with its lines after',
    );
    expect(hit.message).toBe(HEAD);
    expect(hit.context).toEqual({ before: BEFORE, after: [...FRAMES, CAUSE] });
    const stored = await api.get<ApiEvent>(`/api/events/${hit.id}`);
    expect(stored.context).toEqual({ before: BEFORE, after: [...FRAMES, CAUSE] });

    const request = await eventually(
      async () => receiver.requests.find((r) => r.path === '/context'),
      60_000,
      'the webhook',
    );
    const payload = new Webhook(trigger.secret).verify(
      request.body,
      request.headers as Record<string, string>,
    ) as { event: { id: number; message: string; context: unknown } };
    expect(payload.event).toMatchObject({
      id: hit.id,
      message: HEAD,
      context: { before: BEFORE, after: [...FRAMES, CAUSE] },
    });

    const notice = await eventually(
      async () => receiver.requests.find((r) => r.path === '/opened'),
      60_000,
      'the incident opened notice',
    );
    expect(JSON.parse(notice.body)).toMatchObject({
      type: 'incident.opened',
      trigger: { id: opened.id },
      event: { id: hit.id, context: { before: BEFORE, after: [...FRAMES, CAUSE] } },
    });

    expect(await waitExit(id)).toBe(3);
    const crash = await eventually(
      async () => {
        const { items } = await api.get<{ items: ApiEvent[] }>(
          `/api/events?source=docker&container=${id}`,
        );
        return items.find((e) => e.metadata.kind === 'crash');
      },
      60_000,
      'the crash event',
    );
    const lastLines = crash.metadata.last_lines as string[];
    expect(lastLines.at(-1)).toBe(AFTER_PAUSE);
    expect(lastLines).toContain(CAUSE);
    // Still one hit: the record's own `Caused by:` line made none.
    const { items } = await api.get<{ items: ApiEvent[] }>(
      `/api/events?source=logscan&container=${id}`,
    );
    expect(items).toHaveLength(1);
  }, 120_000);
});
