import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startReceiver,
  type Responder,
  type WebhookReceiver,
} from '../../../test/fakes/webhook-receiver.js';
import type { ChannelConfig } from '../model.js';
import { samplePayload, type DeliveryPayload } from './payload.js';
import { SafeHttp } from '../../egress/safe-http.js';
import { generateSecret } from '../secret.js';
import { channelFactory, channelSpec, FieldReader } from './index.js';

const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
const channels = channelFactory({ http, addresses: http, userAgent: 'Logwarden/test' });
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterEach(() => {
  receiver.requests.length = 0;
  receiver.respond(() => ({ status: 200 }));
});
afterAll(async () => {
  await receiver.close();
  await http.close();
});

/** Settings as the API would send them, checked by the channel's own parser. */
function configure(settings: Record<string, unknown>): ChannelConfig {
  return channelSpec(settings.type as ChannelConfig['type']).parse(new FieldReader(settings));
}

async function send(
  settings: Record<string, unknown>,
  payload: DeliveryPayload = samplePayload(),
  secret = generateSecret(),
) {
  const channel = channels.create({ channel: configure(settings), secret });
  const outcome = await channel.send(payload, { message_id: 'msg_test1' });
  return { outcome, request: receiver.requests.at(-1)!, secret };
}

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('webhook channel', () => {
  it('posts the payload signed per Standard Webhooks, verified by the official package', async () => {
    const payload = samplePayload();
    const { outcome, request, secret } = await send(
      { type: 'webhook', url: `${receiver.url}/hook`, headers: { 'X-Team': 'ops' } },
      payload,
    );
    expect(outcome).toMatchObject({ ok: true, status_code: 200, error: null });
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-team']).toBe('ops');
    expect(request.headers['webhook-id']).toBe('msg_test1');
    const verified = new Webhook(secret).verify(
      request.body,
      request.headers as Record<string, string>,
    );
    expect(verified).toEqual(payload);
    expect(Object.keys(verified as object).sort()).toEqual(
      ['event', 'incident', 'sent_at', 'test', 'transition', 'trigger', 'type'].sort(),
    );
    // Another secret does not verify.
    expect(() =>
      new Webhook(generateSecret()).verify(request.body, request.headers as Record<string, string>),
    ).toThrow();
  });

  it('renders a body template with JSON-escaped values, still signed', async () => {
    const payload = samplePayload();
    payload.event.message = 'he said "hi"\n{{event.id}}';
    const { request, secret } = await send(
      {
        type: 'webhook',
        url: receiver.url,
        body_template: '{"text": "{{trigger.name}}: {{event.message}}", "id": {{event.id}}}',
      },
      payload,
    );
    expect(json(request.body)).toEqual({
      text: 'sample "trigger": he said "hi"\n{{event.id}}',
      id: 1,
    });
    expect(() =>
      new Webhook(secret).verify(request.body, request.headers as Record<string, string>),
    ).not.toThrow();
  });

  it('refuses a body template that cannot render JSON, and headers it may not set', () => {
    expect(() =>
      configure({
        type: 'webhook',
        url: receiver.url,
        body_template: '{"text": {{event.message}}}',
      }),
    ).toThrow(expect.objectContaining({ field: 'channel.body_template' }) as Error);
    expect(() =>
      configure({ type: 'webhook', url: receiver.url, headers: { 'Webhook-Signature': 'x' } }),
    ).toThrow(expect.objectContaining({ field: 'channel.headers.Webhook-Signature' }) as Error);
    expect(() => configure({ type: 'webhook', url: receiver.url, colour: 'red' })).toThrow(
      expect.objectContaining({ field: 'channel.colour' }) as Error,
    );
  });

  const cases: [string, Responder, Record<string, unknown>][] = [
    ['500 is retried', () => ({ status: 500 }), { ok: false, retryable: true, status_code: 500 }],
    ['408 is retried', () => ({ status: 408 }), { retryable: true }],
    [
      '429 is retried after Retry-After',
      () => ({ status: 429, headers: { 'retry-after': '120' } }),
      { retryable: true, retry_after_ms: 120_000 },
    ],
    [
      '404 is final',
      () => ({ status: 404, body: 'no such hook' }),
      { retryable: false, gone: false, error: 'HTTP 404: no such hook' },
    ],
    ['410 is final and gone', () => ({ status: 410 }), { retryable: false, gone: true }],
    [
      '302 is a failure, not followed',
      () => ({ status: 302, headers: { location: 'http://127.0.0.1:1/' } }),
      { ok: false, retryable: false, error: 'HTTP 302: redirect not followed' },
    ],
  ];
  it.each(cases)('%s', async (_name, responder, expected) => {
    receiver.respond(responder);
    const { outcome } = await send({ type: 'webhook', url: receiver.url });
    expect(outcome).toMatchObject(expected);
  });

  it('scrubs a credential a receiver echoes back from the error', async () => {
    receiver.respond((req) => ({
      status: 400,
      body: `bad token ${String(req.headers.authorization)}`,
    }));
    const { outcome } = await send({
      type: 'webhook',
      url: receiver.url,
      headers: { Authorization: 'Bearer sekrit-123' },
    });
    expect(outcome.error).toBe('HTTP 400: bad token ********');
  });
});

describe('chat channels send the shapes their APIs document', () => {
  it('Slack incoming webhook: {"text"} in mrkdwn with &, <, > escaped', async () => {
    const payload = samplePayload();
    payload.event.message = 'disk <full> & failing';
    const { outcome, request } = await send(
      { type: 'slack', url: `${receiver.url}/services/T000/B000/XXXX` },
      payload,
    );
    expect(outcome.ok).toBe(true);
    expect(request.path).toBe('/services/T000/B000/XXXX');
    expect(request.headers['content-type']).toBe('application/json');
    const body = json(request.body);
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toMatch(/^\*\[error\] sample "trigger" \(test\)\*\n/);
    expect(body.text).toContain('disk &lt;full&gt; &amp; failing');
  });

  it('Discord webhook: {"content", "allowed_mentions": {"parse": []}} within 2000 characters', async () => {
    receiver.respond(() => ({ status: 204 }));
    const payload = samplePayload();
    payload.event.message = '@everyone ' + 'x'.repeat(3000);
    const { outcome, request } = await send(
      { type: 'discord', url: `${receiver.url}/api/webhooks/1/tok`, username: 'Logwarden' },
      payload,
    );
    expect(outcome).toMatchObject({ ok: true, status_code: 204 });
    const body = json(request.body);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.username).toBe('Logwarden');
    expect(typeof body.content).toBe('string');
    expect((body.content as string).length).toBeLessThanOrEqual(2000);
    expect(body.content as string).toMatch(
      /^\*\*\[error\] sample "trigger" \(test\)\*\*\n@everyone x+/,
    );
  });

  it('Discord 429: waits as long as the body says', async () => {
    receiver.respond(() => ({
      status: 429,
      body: JSON.stringify({
        message: 'You are being rate limited.',
        retry_after: 1.5,
        global: false,
      }),
    }));
    const { outcome } = await send({ type: 'discord', url: `${receiver.url}/api/webhooks/1/tok` });
    expect(outcome).toMatchObject({
      retryable: true,
      retry_after_ms: 1500,
      error: 'HTTP 429: You are being rate limited.',
    });
  });

  it('ntfy: JSON published to the server root with topic, title, message, priority, tags and bearer token', async () => {
    const payload = samplePayload();
    payload.event.severity = 'critical';
    const { outcome, request } = await send(
      {
        type: 'ntfy',
        server: receiver.url,
        topic: 'ops-alerts',
        token: 'tk_abcdef',
        title_template: '{{trigger.name}} on {{event.container.name}}',
      },
      payload,
    );
    expect(outcome.ok).toBe(true);
    expect(request.path).toBe('/');
    expect(request.headers.authorization).toBe('Bearer tk_abcdef');
    expect(json(request.body)).toEqual({
      topic: 'ops-alerts',
      title: 'sample "trigger" on web-1',
      message: expect.stringContaining(payload.event.message) as unknown,
      priority: 5,
      tags: ['critical', 'logscan'],
    });
  });

  it('the lines around a hit: whole in the webhook JSON, as many as fit in a chat message, then a marker', async () => {
    const payload = samplePayload();
    const frames = Array.from(
      { length: 100 },
      (_, i) => `\tat com.example.Frame${i}.run(F.java:${i})`,
    );
    payload.event.message = 'Exception: boom';
    payload.event.context = { before: ['INFO one', 'INFO two'], after: frames };
    const hook = await send({ type: 'webhook', url: `${receiver.url}/hook` }, payload);
    expect((json(hook.request.body).event as { context: unknown }).context).toEqual(
      payload.event.context,
    );

    const { request } = await send({ type: 'ntfy', server: receiver.url, topic: 'ops' }, payload);
    const message = json(request.body).message as string;
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(4096);
    const lines = message.split('\n');
    const hit = lines.indexOf(`> ${payload.event.message}`);
    expect(lines.slice(hit - 2, hit)).toEqual(['  INFO one', '  INFO two']);
    expect(lines[hit + 1]).toBe(`  ${frames[0]}`);
    const kept = lines.filter((l) => l.startsWith('  \tat ')).length;
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(100);
    expect(lines.at(-1)).toBe(`… ${100 - kept} more lines of context cut (size limit)`);

    // Small enough to fit: every line, no marker.
    payload.event.context = { before: [], after: frames.slice(0, 3) };
    const small = await send({ type: 'ntfy', server: receiver.url, topic: 'ops' }, payload);
    const text = json(small.request.body).message as string;
    expect(text.endsWith(`  ${frames[2]}`)).toBe(true);
  });

  it('Gotify: POST /message with X-Gotify-Key and {title, message, priority, extras}', async () => {
    const { outcome, request } = await send({
      type: 'gotify',
      server: `${receiver.url}/gotify/`,
      token: 'AppTokenXYZ',
      message_template: '{{event.message}} ({{event.workload.name}})',
    });
    expect(outcome.ok).toBe(true);
    expect(request.path).toBe('/gotify/message');
    expect(request.headers['x-gotify-key']).toBe('AppTokenXYZ');
    expect(request.path).not.toContain('token');
    expect(json(request.body)).toEqual({
      title: '[error] sample "trigger" (test)',
      message: `${samplePayload().event.message} (Shop)`,
      priority: 8,
      extras: { 'client::display': { contentType: 'text/plain' } },
    });
  });

  it('Telegram: POST /bot<token>/sendMessage with {chat_id, text}, plain text', async () => {
    receiver.respond(() => ({
      status: 200,
      body: JSON.stringify({ ok: true, result: { message_id: 1 } }),
    }));
    const { outcome, request } = await send({
      type: 'telegram',
      api_url: receiver.url,
      bot_token: '123456:ABC-DEF_ghi',
      chat_id: -1001234567890,
    });
    expect(outcome.ok).toBe(true);
    expect(request.path).toBe('/bot123456:ABC-DEF_ghi/sendMessage');
    const body = json(request.body);
    expect(body.chat_id).toBe('-1001234567890');
    expect(body.parse_mode).toBeUndefined();
    expect(body.text).toMatch(/^\[error\] sample "trigger" \(test\)\n/);
    expect(body.link_preview_options).toEqual({ is_disabled: true });
  });

  it('Telegram errors: the description, retry_after honoured, and the token never in the error', async () => {
    receiver.respond(() => ({
      status: 429,
      body: JSON.stringify({
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      }),
    }));
    const { outcome } = await send({
      type: 'telegram',
      api_url: receiver.url,
      bot_token: '123456:ABC-DEF_ghi',
      chat_id: '@ops_channel',
    });
    expect(outcome).toMatchObject({
      retryable: true,
      retry_after_ms: 7000,
      error: 'HTTP 429: Too Many Requests: retry after 7',
    });
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const failed = await send({
      type: 'telegram',
      api_url: url,
      bot_token: '123456:ABC-DEF_ghi',
      chat_id: '1',
    });
    expect(failed.outcome.error).not.toContain('ABC-DEF');
  });
});
