import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { startReceiver, type WebhookReceiver } from '../../../test/fakes/webhook-receiver.js';
import { actingAs, VIEWER } from '../../../test/support/test-principals.js';
import { JournalFiles, OperationJournal } from '../../audit/index.js';
import {
  channelFactory,
  DeliveriesService,
  DeliveryRepository,
  KnownCredentials,
  NO_NAMES,
  TriggerRepository,
  TriggersService,
  type DeliveryJournalEntry,
} from '../../triggers/index.js';
import { SafeHttp } from '../../egress/index.js';
import { journalHook } from '../journal-hook.js';
import { buildServer } from '../server.js';
import { triggersRoutes } from './triggers.js';
import { storedEvent } from '../../../test/support/fixtures.js';

// Names resolve to a public address without asking DNS: the tests do not need a network.
const http = new SafeHttp(
  { denyPrivate: false, allowLoopback: true },
  { lookup: async () => ['93.184.216.34'] },
);
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

const event = (id: number) => storedEvent({ id });

for (const dialect of DIALECTS) {
  describe(`trigger routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    const dirs: string[] = [];
    afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

    /** A real operations journal on disk, wired as src/context.ts wires it. */
    function operationsJournal() {
      const dir = mkdtempSync(join(tmpdir(), 'lw-triggers-journal-'));
      dirs.push(dir);
      const operations = new OperationJournal({
        files: new JournalFiles(dir),
        log: pino({ level: 'silent' }),
      });
      const text = () =>
        readdirSync(dir)
          .map((f) => readFileSync(join(dir, f), 'utf8'))
          .join('');
      return { operations, text };
    }

    async function app(principal = actingAs(), operations?: OperationJournal) {
      const repo = new TriggerRepository(store().db);
      const credentials = new KnownCredentials(repo);
      await credentials.load();
      operations?.addKnownSecrets(() => credentials.values());
      const outbox = new DeliveryRepository(store().db);
      const journal: DeliveryJournalEntry[] = [];
      let reloads = 0;
      let wakes = 0;
      const triggers = new TriggersService({
        repo,
        targets: http,
        channels: channelFactory({ http, addresses: http, userAgent: 'test' }),
        names: NO_NAMES,
        dispatcher: { reload: async () => reloads++ },
        journal: { record: (e) => journal.push(e) },
        credentials,
      });
      const deliveries = new DeliveriesService({
        repo: outbox,
        triggers: repo,
        worker: { wake: () => wakes++ },
      });
      const server = await buildServer({
        authenticator: principal,
        logger: pino({ level: 'silent' }),
        routes: [
          ...(operations ? [journalHook(operations)] : []),
          triggersRoutes({ triggers, deliveries }),
        ],
      });
      const call = (method: 'POST' | 'PATCH' | 'GET' | 'DELETE', url: string, payload?: unknown) =>
        server.inject({ method, url, payload: payload as object });
      return {
        server,
        call,
        repo,
        outbox,
        journal,
        reloads: () => reloads,
        wakes: () => wakes,
      };
    }

    const slack = { type: 'slack', url: 'https://hooks.example.net/services/T0/B0/sekrit' };

    it('creates with defaults and a generated secret shown once; reads never show credentials', async () => {
      const { call, reloads } = await app();
      const created = await call('POST', '/api/triggers', {
        name: 'errors to slack',
        filter: { severities: ['error', 'critical'] },
        channel: slack,
      });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body).toMatchObject({
        name: 'errors to slack',
        enabled: true,
        filter: {
          severities: ['error', 'critical'],
          sources: [],
          workloads: [],
          message_regex: '',
        },
        channel: { type: 'slack', url: '********', text_template: null },
        disabled_reason: null,
      });
      expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(reloads()).toBe(1);

      const read = await call('GET', `/api/triggers/${body.id}`);
      expect(read.json()).toMatchObject({ secret: '********', channel: { url: '********' } });
      const list = await call('GET', '/api/triggers');
      for (const text of [read.body, list.body]) {
        expect(text).not.toContain(body.secret);
        expect(text).not.toContain('sekrit');
      }
      expect(list.json().items).toHaveLength(1);
      expect(list.json().next).toBeNull();
    });

    it('notifies incidents opened and resolved unless told otherwise; notify_on and repeat_interval are checked', async () => {
      const { call } = await app();
      const created = (await call('POST', '/api/triggers', { name: 'x', channel: slack })).json();
      expect(created).toMatchObject({
        notify_on: ['opened', 'resolved'],
        repeat_interval_seconds: 0,
      });
      const changed = await call('PATCH', `/api/triggers/${created.id}`, {
        notify_on: ['reminder', 'event', 'opened', 'event'],
        repeat_interval_seconds: 3600,
      });
      // Once each, in the documented order.
      expect(changed.json()).toMatchObject({
        notify_on: ['event', 'opened', 'reminder'],
        repeat_interval_seconds: 3600,
      });
      for (const [body, field] of [
        [{ notify_on: [] }, 'notify_on'],
        [{ notify_on: ['closed'] }, 'notify_on'],
        [{ repeat_interval_seconds: -1 }, 'repeat_interval_seconds'],
        [{ repeat_interval_seconds: 604_801 }, 'repeat_interval_seconds'],
      ] as const) {
        const refused = await call('PATCH', `/api/triggers/${created.id}`, body);
        expect(refused.statusCode).toBe(400);
        expect(refused.json().error.field).toBe(field);
      }
    });

    it('context_wait_seconds: 3 by default, changed alone by PATCH, 0 to 30', async () => {
      const { call } = await app();
      const created = (await call('POST', '/api/triggers', { name: 'w', channel: slack })).json();
      expect(created.context_wait_seconds).toBe(3);
      const patched = await call('PATCH', `/api/triggers/${created.id}`, {
        context_wait_seconds: 30,
      });
      expect(patched.json()).toMatchObject({ name: 'w', context_wait_seconds: 30 });
      for (const bad of [31, -1]) {
        const refused = await call('PATCH', `/api/triggers/${created.id}`, {
          context_wait_seconds: bad,
        });
        expect(refused.statusCode).toBe(400);
        expect(refused.json().error.field).toBe('context_wait_seconds');
      }
    });

    it('a secret sent on create is not echoed', async () => {
      const { call } = await app();
      const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      const res = await call('POST', '/api/triggers', { name: 'x', channel: slack, secret });
      expect(res.json().secret).toBe('********');
      expect(res.body).not.toContain(secret);
    });

    it('PATCH changes only the fields sent; ******** keeps a credential, and the secret still signs', async () => {
      const { call, repo } = await app();
      const created = (
        await call('POST', '/api/triggers', {
          name: 'hook',
          filter: { severities: ['error'], message_regex: 'disk' },
          channel: {
            type: 'webhook',
            url: `${receiver.url}/hook`,
            headers: { Authorization: 'Bearer tok-123', 'X-Team': 'ops' },
          },
        })
      ).json();
      const read = (await call('GET', `/api/triggers/${created.id}`)).json();
      expect(read.channel.headers).toEqual({ authorization: '********', 'x-team': '********' });

      // Send back what was read, changing one thing: everything else stays.
      const patched = await call('PATCH', `/api/triggers/${created.id}`, {
        name: 'renamed',
        filter: { sources: ['logscan'] },
        channel: { ...read.channel, headers: { ...read.channel.headers, 'x-team': 'sre' } },
        secret: '********',
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({
        name: 'renamed',
        enabled: true,
        filter: { severities: ['error'], sources: ['logscan'], message_regex: 'disk' },
      });
      const stored = (await repo.get(created.id))!;
      expect(stored.secret).toBe(created.secret);
      expect(stored.channel).toEqual({
        type: 'webhook',
        url: `${receiver.url}/hook`,
        headers: { authorization: 'Bearer tok-123', 'x-team': 'sre' },
        body_template: null,
      });

      // An empty PATCH and one with only enabled change nothing else.
      await call('PATCH', `/api/triggers/${created.id}`, {});
      await call('PATCH', `/api/triggers/${created.id}`, { enabled: false });
      expect(await repo.get(created.id)).toMatchObject({
        name: 'renamed',
        enabled: false,
        secret: created.secret,
      });
      await call('PATCH', `/api/triggers/${created.id}`, { enabled: true });

      // The kept secret still signs: a test send verifies with the one shown at creation.
      const test = await call('POST', `/api/triggers/${created.id}/test`);
      expect(test.json()).toMatchObject({
        ok: true,
        status: 'sent',
        status_code: 200,
        error: null,
      });
      const request = receiver.requests.at(-1)!;
      const verified = new Webhook(created.secret).verify(
        request.body,
        request.headers as Record<string, string>,
      ) as { test: boolean; trigger: { name: string } };
      expect(verified.test).toBe(true);
      expect(verified.trigger.name).toBe('renamed');
      expect(request.headers.authorization).toBe('Bearer tok-123');
    });

    it('a test send reports a failure as it is, once, without retrying or storing a delivery', async () => {
      const { call, outbox, journal } = await app();
      receiver.respond(() => ({ status: 503, body: 'maintenance' }));
      const { id } = (
        await call('POST', '/api/triggers', {
          name: 'hook',
          channel: { type: 'webhook', url: receiver.url },
        })
      ).json();
      const res = await call('POST', `/api/triggers/${id}/test`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        ok: false,
        status: 'failed',
        status_code: 503,
        error: 'HTTP 503: maintenance',
      });
      expect(typeof res.json().latency_ms).toBe('number');
      expect(receiver.requests).toHaveLength(1);
      expect((await outbox.list({})).items).toEqual([]);
      expect(journal.map((e) => e.action)).toEqual(['delivery.test']);
    });

    it.each([
      [{ channel: slack }, 'name'],
      [{ name: 'x' }, 'channel'],
      [{ name: 'x', channel: { type: 'pager' } }, 'channel.type'],
      [{ name: 'x', channel: { type: 'slack' } }, 'channel.url'],
      [{ name: 'x', channel: { ...slack, url: '********' } }, 'channel.url'],
      [{ name: 'x', channel: { ...slack, url: 'file:///etc/passwd' } }, 'channel.url'],
      [{ name: 'x', channel: { ...slack, url: 'http://u:p@example.net/' } }, 'channel.url'],
      [{ name: 'x', channel: { ...slack, url: 'http://169.254.169.254/latest' } }, 'channel.url'],
      [{ name: 'x', channel: { ...slack, color: 'red' } }, 'channel.color'],
      [
        { name: 'x', channel: { ...slack, text_template: '{{#event}}x{{/event}}' } },
        'channel.text_template',
      ],
      [{ name: 'x', channel: slack, filter: { message_regex: '(a)\\1' } }, 'filter.message_regex'],
      [{ name: 'x', channel: slack, filter: { severities: ['loud'] } }, 'filter.severities'],
      [{ name: 'x', channel: slack, filter: { hosts: ['Web 1'] } }, 'filter.hosts'],
      [{ name: 'x', channel: slack, secret: 'hunter2' }, 'secret'],
      [{ name: 'x', channel: slack, secret: '********' }, 'secret'],
      [{ name: 'x', channel: { type: 'ntfy', topic: 'a b' } }, 'channel.topic'],
      [
        { name: 'x', channel: { type: 'telegram', bot_token: 'nope', chat_id: 1 } },
        'channel.bot_token',
      ],
      [
        {
          name: 'x',
          channel: {
            type: 'email',
            host: 'smtp.example.net',
            from: 'a@b.c',
            to: ['not an address'],
          },
        },
        'channel.to[0]',
      ],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const { call } = await app();
      const res = await call('POST', '/api/triggers', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe(field);
      expect((await call('GET', '/api/triggers')).json().items).toEqual([]);
    });

    it('keeps filter.hosts and lets a PATCH change it alone', async () => {
      const { call } = await app();
      const created = (
        await call('POST', '/api/triggers', {
          name: 'edge hosts',
          filter: { hosts: ['edge-1', 'local'], severities: ['error'] },
          channel: slack,
        })
      ).json();
      expect(created.filter).toMatchObject({ hosts: ['edge-1', 'local'], severities: ['error'] });
      await call('PATCH', `/api/triggers/${created.id}`, { filter: { hosts: [] } });
      const read = (await call('GET', `/api/triggers/${created.id}`)).json();
      expect(read.filter).toMatchObject({ hosts: [], severities: ['error'] });
    });

    it('says why a target is refused', async () => {
      const { call } = await app();
      const res = await call('POST', '/api/triggers', {
        name: 'x',
        channel: { type: 'webhook', url: 'http://[::ffff:a9fe:a9fe]/' },
      });
      expect(res.json().error.message).toBe(
        'channel.url: target refused: 169.254.169.254 is the cloud metadata service (AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack)',
      );
    });

    it('shows where a webhook goes but not its path or query; the redacted form sent back keeps the URL', async () => {
      const { call, repo } = await app();
      const url = `${receiver.url}/webhookb2/T3NANT-path-token?token=q-s3cret-token&x=1`;
      const { id } = (
        await call('POST', '/api/triggers', { name: 'teams', channel: { type: 'webhook', url } })
      ).json();
      const read = await call('GET', `/api/triggers/${id}`);
      const list = await call('GET', '/api/triggers');
      expect(read.json().channel.url).toBe(`${receiver.url}/********`);
      for (const text of [read.body, list.body]) {
        expect(text).not.toContain('T3NANT-path-token');
        expect(text).not.toContain('q-s3cret-token');
        expect(text).not.toContain('webhookb2');
      }

      // Sent back as read (the redacted URL or the bare placeholder): the URL stays.
      for (const sent of [read.json().channel.url, '********']) {
        const patched = await call('PATCH', `/api/triggers/${id}`, {
          name: `teams ${sent}`,
          channel: { ...read.json().channel, url: sent },
        });
        expect(patched.statusCode).toBe(200);
        expect(patched.body).not.toContain('q-s3cret-token');
        expect((await repo.get(id))!.channel).toMatchObject({ url });
      }
      const test = await call('POST', `/api/triggers/${id}/test`);
      expect(test.json()).toMatchObject({ ok: true, status_code: 200 });
      expect(receiver.requests.at(-1)!.path).toBe(
        '/webhookb2/T3NANT-path-token?token=q-s3cret-token&x=1',
      );

      // The hidden path never moves to another host.
      const moved = await call('PATCH', `/api/triggers/${id}`, {
        channel: { url: 'https://attacker.example/********' },
      });
      expect(moved.statusCode).toBe(400);
      expect(moved.json().error.field).toBe('channel.url');
      expect(moved.body).not.toContain('q-s3cret-token');
      expect((await repo.get(id))!.channel).toMatchObject({ url });

      // A new URL replaces it; a URL with nothing past the host shows the same way.
      await call('PATCH', `/api/triggers/${id}`, {
        channel: { url: 'https://hooks.example.net/' },
      });
      expect((await call('GET', `/api/triggers/${id}`)).json().channel.url).toBe(
        'https://hooks.example.net/********',
      );
      // Nothing stored to keep: a new trigger cannot send the redacted form.
      const fresh = await call('POST', '/api/triggers', {
        name: 'x',
        channel: { type: 'webhook', url: 'https://hooks.example.net/********' },
      });
      expect(fresh.statusCode).toBe(400);
      expect(fresh.json().error.field).toBe('channel.url');
    });

    it('changing the channel type takes the new type’s fields, and keeps nothing of the old', async () => {
      const { call } = await app();
      const { id } = (await call('POST', '/api/triggers', { name: 'x', channel: slack })).json();
      const bad = await call('PATCH', `/api/triggers/${id}`, {
        channel: { type: 'discord', url: '********' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('channel.url');
      const good = await call('PATCH', `/api/triggers/${id}`, {
        channel: { type: 'gotify', server: 'https://push.example.net', token: 'AbCdEf' },
      });
      expect(good.json().channel).toEqual({
        type: 'gotify',
        server: 'https://push.example.net',
        token: '********',
        title_template: null,
        message_template: null,
      });
    });

    it('deletes, and 404s on what is not there', async () => {
      const { call } = await app();
      const { id } = (await call('POST', '/api/triggers', { name: 'x', channel: slack })).json();
      expect((await call('DELETE', `/api/triggers/${id}`)).statusCode).toBe(204);
      for (const [method, url] of [
        ['GET', `/api/triggers/${id}`],
        ['PATCH', `/api/triggers/${id}`],
        ['DELETE', `/api/triggers/${id}`],
        ['POST', `/api/triggers/${id}/test`],
        ['GET', `/api/triggers/${id}/deliveries`],
        ['GET', '/api/deliveries/999'],
        ['POST', '/api/deliveries/999/retry'],
      ] as const)
        expect((await call(method, url, method === 'PATCH' ? {} : undefined)).statusCode).toBe(404);
    });

    it('lists deliveries by status, newest first in pages, and retries a dead one', async () => {
      const { call, outbox, wakes } = await app();
      const a = (await call('POST', '/api/triggers', { name: 'a', channel: slack })).json();
      const b = (await call('POST', '/api/triggers', { name: 'b', channel: slack })).json();
      for (let i = 1; i <= 5; i++)
        await outbox.enqueue(
          [
            {
              trigger_id: i % 2 ? a.id : b.id,
              event: event(i),
              channel: 'slack',
              message_id: `m${i}`,
            },
          ],
          1_000,
        );
      const [dead] = (await outbox.list({ trigger_id: a.id }, { limit: 1 })).items;
      await outbox.recordAttempt(
        dead!.id,
        {
          status: 'dead',
          attempts: 6,
          next_attempt_at: 1_000,
          last_status_code: 500,
          last_error: 'HTTP 500',
          latency_ms: 12,
          sent_at: null,
        },
        2_000,
      );

      const page1 = (await call('GET', '/api/deliveries?limit=2')).json();
      expect(page1.items.map((d: { message_id: string }) => d.message_id)).toEqual(['m5', 'm4']);
      const page2 = (await call('GET', `/api/deliveries?limit=2&before=${page1.next}`)).json();
      expect(page2.items.map((d: { message_id: string }) => d.message_id)).toEqual(['m3', 'm2']);
      const deadOnes = (await call('GET', '/api/deliveries?status=dead')).json();
      expect(deadOnes.items).toHaveLength(1);
      expect(deadOnes.items[0]).toMatchObject({
        id: dead!.id,
        trigger_id: a.id,
        event_id: 5,
        channel: 'slack',
        status: 'dead',
        attempts: 6,
        next_attempt_at: null,
        last_status_code: 500,
        last_error: 'HTTP 500',
        latency_ms: 12,
        sent_at: null,
      });
      expect(deadOnes.items[0].event).toBeUndefined();
      const ofB = (await call('GET', `/api/triggers/${b.id}/deliveries`)).json();
      expect(ofB.items.map((d: { message_id: string }) => d.message_id)).toEqual(['m4', 'm2']);
      expect((await call('GET', '/api/deliveries?status=lost')).statusCode).toBe(400);

      const pending = (await call('GET', `/api/triggers/${b.id}/deliveries`)).json().items[0];
      const conflict = await call('POST', `/api/deliveries/${pending.id}/retry`);
      expect(conflict.statusCode).toBe(409);
      const retried = await call('POST', `/api/deliveries/${dead!.id}/retry`);
      expect(retried.statusCode).toBe(200);
      expect(retried.json()).toMatchObject({ status: 'pending', attempts: 0, message_id: 'm5' });
      expect(wakes()).toBe(1);

      await outbox.recordAttempt(
        dead!.id,
        {
          status: 'failed',
          attempts: 1,
          next_attempt_at: 3_000,
          last_status_code: 404,
          last_error: 'HTTP 404',
          latency_ms: 1,
          sent_at: null,
        },
        3_000,
      );
      await call('PATCH', `/api/triggers/${a.id}`, { enabled: false });
      const disabled = await call('POST', `/api/deliveries/${dead!.id}/retry`);
      expect(disabled.statusCode).toBe(409);
      expect(disabled.json().error.message).toMatch(/disabled/);
    });

    it('journals create, update and delete with the public before/after, never a credential', async () => {
      const { operations, text } = operationsJournal();
      const { call } = await app(actingAs(), operations);
      const slackUrl = 'https://hooks.example.net/services/T0J/B0J/j0urnal-slack-token';
      const webhookUrl = `${receiver.url}/hook/j0urnal-path-token?token=j0urnal-query-token`;
      const given = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
      const slackHook = (
        await call('POST', '/api/triggers', {
          name: 'journaled slack',
          channel: { type: 'slack', url: slackUrl },
        })
      ).json();
      const webhook = (
        await call('POST', '/api/triggers', {
          name: 'journaled webhook',
          channel: {
            type: 'webhook',
            url: webhookUrl,
            headers: { Authorization: 'Bearer j0urnal-header-token' },
          },
          secret: given,
        })
      ).json();
      expect(webhook.secret).toBe('********');
      const ntfy = (
        await call('POST', '/api/triggers', {
          name: 'journaled ntfy',
          channel: { type: 'ntfy', topic: 'ops', token: 'tk_j0urnal-ntfy-token' },
        })
      ).json();
      const replaced = `whsec_${Buffer.alloc(32, 10).toString('base64')}`;
      expect(
        (
          await call('PATCH', `/api/triggers/${webhook.id}`, {
            name: 'journaled webhook, renamed',
            secret: replaced,
            channel: { headers: { authorization: 'Bearer j0urnal-header-token-2' } },
          })
        ).statusCode,
      ).toBe(200);
      expect((await call('DELETE', `/api/triggers/${slackHook.id}`)).statusCode).toBe(204);
      // A refused change is journaled too, under the trigger, with its error code.
      expect(
        (await call('PATCH', `/api/triggers/${ntfy.id}`, { filter: { severities: ['loud'] } }))
          .statusCode,
      ).toBe(400);

      const entries = text()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries.map((e) => [e.action, e.object, e.success])).toEqual([
        ['trigger.create', `trigger:${slackHook.id}`, true],
        ['trigger.create', `trigger:${webhook.id}`, true],
        ['trigger.create', `trigger:${ntfy.id}`, true],
        ['trigger.update', `trigger:${webhook.id}`, true],
        ['trigger.delete', `trigger:${slackHook.id}`, true],
        ['trigger.update', `trigger:${ntfy.id}`, false],
      ]);
      expect(entries[0]).toMatchObject({
        actor: 'admin',
        after: { name: 'journaled slack', channel: { type: 'slack', url: '********' } },
      });
      expect(entries[3]).toMatchObject({
        before: { name: 'journaled webhook', channel: { url: `${receiver.url}/********` } },
        after: { name: 'journaled webhook, renamed' },
      });
      expect(entries[4]).toMatchObject({ before: { name: 'journaled slack' } });
      expect(entries[4]!.after).toBeUndefined();
      expect(entries[5]).toMatchObject({ error_code: 'VALIDATION_FAILED' });

      // Even an entry that carries a credential by mistake has it taken out, deleted
      // triggers' and replaced values included.
      operations.record({
        actor: 'system',
        action: 'oops',
        success: true,
        source: 'triggers',
        details: {
          a: `leaked ${replaced} and ${given}`,
          b: `see ${slackUrl}`,
          c: 'Bearer j0urnal-header-token-2',
          d: `${webhookUrl}`,
          e: 'tk_j0urnal-ntfy-token',
        },
      });
      const written = text();
      expect(written).toContain('journaled webhook, renamed');
      expect(written).toContain('journaled ntfy');
      for (const secret of [
        given,
        replaced,
        slackHook.secret,
        ntfy.secret,
        slackUrl,
        'j0urnal-slack-token',
        'j0urnal-path-token',
        'j0urnal-query-token',
        'j0urnal-header-token',
        'j0urnal-ntfy-token',
      ])
        expect(written).not.toContain(secret);
    });

    it('a viewer reads but does not change', async () => {
      const admin = await app();
      await admin.call('POST', '/api/triggers', { name: 'x', channel: slack });
      const { call } = await app(actingAs(VIEWER));
      expect((await call('GET', '/api/triggers')).statusCode).toBe(200);
      expect((await call('POST', '/api/triggers', { name: 'y', channel: slack })).statusCode).toBe(
        403,
      );
    });
  });
}
