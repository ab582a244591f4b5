import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../model.js';
import { samplePayload } from './payload.js';
import { SafeHttp } from '../../egress/safe-http.js';
import { channelFactory, channelSpec, FieldReader } from './index.js';

const received: { mail: ParsedMail; user: string | undefined; rcpt: string[] }[] = [];
let server: SMTPServer;
let port: number;
const http = new SafeHttp({ denyPrivate: false, allowLoopback: true });
const channels = channelFactory({ http, addresses: http, userAgent: 'Logwarden/test' });

beforeAll(async () => {
  server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alerts' && auth.password === 'hunter2')
        return callback(null, { user: auth.username });
      return callback(new Error('535 Authentication failed'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@nowhere.invalid')) {
        const err = new Error('550 No such user') as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            mail,
            user: session.user as string | undefined,
            rcpt: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await http.close();
});

function emailChannel(extra: Record<string, unknown> = {}) {
  const config = channelSpec('email').parse(
    new FieldReader({
      type: 'email',
      host: '127.0.0.1',
      port,
      security: 'none',
      username: 'alerts',
      password: 'hunter2',
      from: 'Logwarden <logwarden@example.net>',
      to: ['ops@example.net', 'oncall@example.net'],
      ...extra,
    }),
  ) as ChannelConfig;
  return channels.create({ channel: config, secret: 'unused' });
}

describe('e-mail channel', () => {
  it('sends through SMTP with auth: subject, text and HTML parts, the same Message-ID on every attempt', async () => {
    const payload = samplePayload();
    payload.event.message = '<script>alert(1)</script> & {{event.id}}';
    const channel = emailChannel({
      subject_template: 'Logwarden: {{trigger.name}} [{{event.severity}}]',
      body_template: 'On {{event.container.name}}: {{event.message}}',
    });
    const outcome = await channel.send(payload, { message_id: 'msg_mail1' });
    expect(outcome).toMatchObject({ ok: true, status_code: 250, error: null });
    const { mail, user, rcpt } = received.at(-1)!;
    expect(user).toBe('alerts');
    expect(rcpt).toEqual(['ops@example.net', 'oncall@example.net']);
    expect(mail.from?.value[0]).toMatchObject({
      address: 'logwarden@example.net',
      name: 'Logwarden',
    });
    expect(mail.subject).toBe('Logwarden: sample "trigger" [error]');
    expect(mail.messageId).toBe('<msg_mail1@logwarden>');
    expect(mail.text?.trim()).toBe('On web-1: <script>alert(1)</script> & {{event.id}}');
    expect(mail.html).toContain(
      'On web-1: &lt;script&gt;alert(1)&lt;/script&gt; &amp; {{event.id}}',
    );
    expect(mail.html).not.toContain('<script>');
  });

  it('a 5xx refusal is final and a wrong password never shows up in the error', async () => {
    const refused = await emailChannel({ to: ['who@nowhere.invalid'] }).send(samplePayload(), {
      message_id: 'msg_mail2',
    });
    expect(refused).toMatchObject({ ok: false, retryable: false, status_code: 550 });
    const badLogin = await emailChannel({ password: 'wrong-pass-XYZ' }).send(samplePayload(), {
      message_id: 'msg_mail3',
    });
    expect(badLogin.ok).toBe(false);
    expect(badLogin.retryable).toBe(false);
    expect(badLogin.error).not.toContain('wrong-pass-XYZ');
  });

  it('refuses an SMTP host the address policy refuses, before connecting', async () => {
    const strict = new SafeHttp({ denyPrivate: false, allowLoopback: false });
    try {
      const config = channelSpec('email').parse(
        new FieldReader({
          type: 'email',
          host: '127.0.0.1',
          port,
          security: 'none',
          from: 'a@example.net',
          to: ['b@example.net'],
        }),
      ) as ChannelConfig;
      const before = received.length;
      const outcome = await channelFactory({ http: strict, addresses: strict, userAgent: 'x' })
        .create({ channel: config, secret: 'unused' })
        .send(samplePayload(), { message_id: 'msg_mail4' });
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(outcome.error).toMatch(/refused: 127\.0\.0\.1 is a loopback address/);
      expect(received.length).toBe(before);
    } finally {
      await strict.close();
    }
  });
});
