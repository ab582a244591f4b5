import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startReceiver,
  type ReceivedRequest,
  type WebhookReceiver,
} from '../fakes/webhook-receiver.js';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
let receiver: WebhookReceiver;
const created = new Set<string>();
/** Every credential handed to Logwarden in this file: none may come back out. */
const credentials: string[] = [];

interface Delivery {
  id: number;
  status: string;
  attempts: number;
  message_id: string;
  last_status_code: number | null;
}
interface Payload {
  type: string;
  test: boolean;
  trigger: { id: number; name: string };
  event: {
    id: number;
    source: string;
    severity: string;
    message: string;
    metadata: { captures?: Record<string, string>; rule_name?: string };
    container: { id: string; name: string | null } | null;
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-triggers-'));
  receiver = await startReceiver();
  const served = await serveForTest(dir, {
    // The receiver is on this host: allowed for tests only.
    LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true',
    // Retries within milliseconds rather than minutes: the schedule's shape, not its pace.
    LOGWARDEN_TRIGGERS_RETRY_BASE_SECONDS: '0.05',
    LOGWARDEN_LOG_LEVEL: 'debug',
  });
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  await receiver.close();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

async function container(lines: string[]) {
  const env = lines.flatMap((line, i) => ['-e', `L${i}=${line}`]);
  const print = lines.map((_, i) => `printf '%s\\n' "$L${i}"`).join('; ');
  const id = await runContainer(`sleep 0.5; ${print}; sleep 60`, { extra: env });
  created.add(id);
  return id;
}

const forTrigger = (id: number) => (r: ReceivedRequest) => r.path === `/t/${id}`;

async function deliveries(triggerId: number): Promise<Delivery[]> {
  return (await api.get<{ items: Delivery[] }>(`/api/triggers/${triggerId}/deliveries`)).items;
}

function verify(secret: string, request: ReceivedRequest): Payload {
  return new Webhook(secret).verify(
    request.body,
    request.headers as Record<string, string>,
  ) as Payload;
}

describe('triggers end to end', () => {
  let rule: { id: number };
  let trigger: { id: number; secret: string };

  it('a rule hit becomes a signed webhook: 500 three times then 200 is four attempts, one sent, one webhook-id', async () => {
    rule = await api.post('/api/rules', {
      name: 'trigger test',
      pattern: 'TRIGGERTEST (?P<word>\\S+)',
      severity: 'error',
      cooldown_seconds: 0,
    });
    trigger = await api.post('/api/triggers', {
      name: 'to the receiver',
      filter: { sources: ['logscan'], severities: ['error'], message_regex: '^TRIGGERTEST ' },
      // One delivery per line: what this file checks (incidents have their own test).
      notify_on: ['event'],
      channel: {
        type: 'webhook',
        url: `${receiver.url}/t/PLACE`,
        headers: { Authorization: 'Bearer e2e-header-token' },
      },
    });
    // The URL names the trigger, so this file's receivers can tell triggers apart.
    await api.patch(`/api/triggers/${trigger.id}`, {
      channel: { url: `${receiver.url}/t/${trigger.id}` },
    });
    credentials.push(trigger.secret, 'e2e-header-token');
    let failures = 0;
    receiver.respond((req) => {
      if (req.path === `/t/${trigger.id}` && failures < 3) {
        failures++;
        return { status: 500 };
      }
      return { status: 200 };
    });

    const id = await container(['TRIGGERTEST alpha']);
    const [delivery] = await eventually(
      async () => {
        const list = await deliveries(trigger.id);
        return list.length === 1 && list[0]!.status === 'sent' ? list : undefined;
      },
      60_000,
      'the delivery to be sent',
    );
    expect(delivery).toMatchObject({ attempts: 4, last_status_code: 200 });

    const requests = receiver.requests.filter(forTrigger(trigger.id));
    expect(requests.map((r) => r.answered)).toEqual([500, 500, 500, 200]);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([delivery!.message_id]),
    );
    for (const request of requests) {
      const payload = verify(trigger.secret, request);
      expect(payload).toMatchObject({
        type: 'event.recorded',
        test: false,
        trigger: { id: trigger.id, name: 'to the receiver' },
        event: {
          source: 'logscan',
          severity: 'error',
          message: 'TRIGGERTEST alpha',
          metadata: { captures: { word: 'alpha' }, rule_name: 'trigger test' },
          container: { id },
        },
      });
      expect(request.headers.authorization).toBe('Bearer e2e-header-token');
    }
  }, 120_000);

  it('PATCH with ******** keeps the secret; messages that look like templates arrive as text', async () => {
    const read = await api.get<{ secret: string; channel: Record<string, unknown> }>(
      `/api/triggers/${trigger.id}`,
    );
    expect(read.secret).toBe('********');
    // Where it goes, without the path: sent back as read, the stored URL stays.
    expect(read.channel.url).toBe(`${receiver.url}/********`);
    await api.patch(`/api/triggers/${trigger.id}`, {
      name: 'renamed',
      secret: read.secret,
      channel: read.channel,
    });
    const slack = await api.post<{ id: number }>('/api/triggers', {
      name: 'slack',
      filter: { message_regex: '^TRIGGERTEST (\\{\\{|\\{%)' },
      notify_on: ['event'],
      channel: { type: 'slack', url: `${receiver.url}/t/slack/services/T0/B0/e2e-slack-token` },
    });
    credentials.push('e2e-slack-token');
    const injections = [
      "TRIGGERTEST {{constructor.constructor('return process')()}}",
      "TRIGGERTEST {% render '/etc/passwd' %}",
    ];
    await container(injections);
    const sent = await eventually(
      async () => {
        const list = await deliveries(trigger.id);
        return list.filter((d) => d.status === 'sent').length === 3 ? list : undefined;
      },
      60_000,
      'two more deliveries',
    );
    // Newest first: the two new ones went through on their first attempt.
    expect(sent.slice(0, 2).map((d) => d.attempts)).toEqual([1, 1]);
    const messages = receiver.requests
      .filter(forTrigger(trigger.id))
      .slice(4)
      .map((r) => verify(trigger.secret, r))
      .map((p) => {
        expect(p.trigger.name).toBe('renamed');
        return p.event.message;
      });
    expect(messages.sort()).toEqual([...injections].sort());

    await eventually(
      async () =>
        (await deliveries(slack.id)).every((d) => d.status === 'sent') &&
        (await deliveries(slack.id)).length === 2,
    );
    const texts = receiver.requests
      .filter((r) => r.path.startsWith('/t/slack/'))
      .map((r) => (JSON.parse(r.body) as { text: string }).text);
    for (const line of injections) expect(texts.some((t) => t.includes(line))).toBe(true);
  }, 120_000);

  it('a test send goes out at once, marked test, and says how it went', async () => {
    const result = await api.post<{ ok: boolean; status: string; status_code: number }>(
      `/api/triggers/${trigger.id}/test`,
      {},
    );
    expect(result).toMatchObject({ ok: true, status: 'sent', status_code: 200 });
    expect(verify(trigger.secret, receiver.requests.at(-1)!).test).toBe(true);
  });

  it('no credential shows up in the API or the logs', async () => {
    const outputs = [
      JSON.stringify(await api.get('/api/triggers')),
      JSON.stringify(await api.get('/api/deliveries?limit=500')),
      proc.stdout.join(''),
      proc.stderr.join(''),
    ];
    expect(proc.stdout.join('')).toContain('delivery failed, will retry');
    for (const text of outputs)
      for (const secret of credentials) expect(text).not.toContain(secret);
    await api.delete(`/api/rules/${rule.id}`);
  });
});
