import { isIP } from 'node:net';
import { SMTP_SECURITY, type EmailChannel } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { scrub, snippet } from './http-outcome.js';
import { bodyOnly, TextTemplate, titleOnly } from './text.js';

const ADDRESS = /^[^\s@<>"]+@[^\s@<>"]+$/;
/** `ops@example.net` or `Logwarden <ops@example.net>`; never a line break. */
const FROM = /^(?:[^<>\r\n"]*<[^\s@<>"]+@[^\s@<>"]+>|[^\s@<>"]+@[^\s@<>"]+)$/;
const HOST = /^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:.]+\]?$/;
const TIMEOUT_MS = 10_000;
const MAX_RECIPIENTS = 20;

const DEFAULT_PORT = { tls: 465, starttls: 587, none: 25 } as const;

/**
 * E-mail over SMTP with nodemailer. The host is resolved and checked by the same
 * address policy as HTTP targets and dialled by address, with TLS still verifying
 * the certificate for the host name. The body template makes both parts: values
 * plain in the text part, HTML-escaped in the HTML part.
 */
class EmailSender implements Channel {
  private readonly subject: TextTemplate;
  private readonly text: TextTemplate;
  private readonly html: TextTemplate;

  constructor(
    private readonly config: EmailChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.subject = new TextTemplate(config.subject_template, 'text', titleOnly, 900);
    this.text = new TextTemplate(config.body_template, 'text', bodyOnly, 256 * 1024, true);
    this.html = new TextTemplate(config.body_template, 'html', bodyOnly, 256 * 1024, true);
  }

  async send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const secrets = [this.config.password, this.config.username];
    const host = this.config.host.replace(/^\[|\]$/g, '');
    let address: string;
    try {
      address = await this.deps.addresses.permittedAddress(host);
    } catch (err) {
      return failure(`refused: ${(err as Error).message}`, null, false, elapsed());
    }
    const { security } = this.config;
    // Loaded on first use: ~3 MB of heap that installs without e-mail channels never need.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: address,
      port: this.config.port,
      secure: security === 'tls',
      requireTLS: security === 'starttls',
      ignoreTLS: security === 'none',
      tls: isIP(host) ? {} : { servername: host },
      auth: this.config.username
        ? { user: this.config.username, pass: this.config.password ?? '' }
        : undefined,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      const info = await transport.sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: this.subject.render(payload).replace(/[\r\n]+/g, ' '),
        text: this.text.render(payload),
        html: `<div style="white-space: pre-wrap; font-family: sans-serif">${this.html.render(payload)}</div>`,
        // The same Message-ID on every attempt, so mail clients can drop repeats.
        messageId: `<${context.message_id}@logwarden>`,
        signal: context.signal,
      });
      const code = Number(/^(\d{3})/.exec(String(info.response))?.[1] ?? 250);
      return {
        ok: true,
        status_code: code,
        error: null,
        latency_ms: elapsed(),
        retryable: false,
        gone: false,
        retry_after_ms: null,
      };
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message?: string };
      const code = typeof e.responseCode === 'number' ? e.responseCode : null;
      // 5xx is a permanent refusal (bad recipient, bad login); 4xx and no answer may pass.
      const retryable = code === null || code < 500;
      const reason = code !== null ? `SMTP ${code}: ${snippet(e.message ?? '')}` : smtpError(e);
      return failure(scrub(reason, secrets), code, retryable, elapsed());
    } finally {
      transport.close();
    }
  }
}

function smtpError(e: { code?: string; message?: string }): string {
  if (e.code === 'ETIMEDOUT') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return `SMTP failed${e.code ? ` (${e.code})` : ''}`;
}

function failure(
  error: string,
  code: number | null,
  retryable: boolean,
  latency: number,
): SendOutcome {
  return {
    ok: false,
    status_code: code,
    error,
    latency_ms: latency,
    retryable,
    gone: false,
    retry_after_ms: null,
  };
}

export const emailSpec: ChannelSpec<EmailChannel> = {
  type: 'email',
  secrets: ['password'],
  secretMaps: [],
  secretUrls: [],
  parse(fields) {
    const host = fields.string('host', 253);
    if (!HOST.test(host)) throw fields.invalid('host', 'must be a host name or an IP address');
    const security = fields.oneOf('security', SMTP_SECURITY, 'starttls');
    const from = fields.string('from', 320);
    if (!FROM.test(from))
      throw fields.invalid('from', 'must be an address, or a name and <address>');
    const config: EmailChannel = {
      type: 'email',
      host,
      port: fields.integer('port', 1, 65535, DEFAULT_PORT[security]),
      security,
      username: fields.optionalString('username', 320),
      password: fields.optionalString('password', 1024),
      from,
      to: fields.stringList('to', MAX_RECIPIENTS, (s) =>
        ADDRESS.test(s) ? null : 'is not an e-mail address',
      ),
      subject_template: fields.template('subject_template'),
      body_template: fields.template('body_template'),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.host', host: config.host }],
  create: (config, deps) => new EmailSender(config, deps),
};
