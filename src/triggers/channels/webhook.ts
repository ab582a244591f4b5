import type { WebhookChannel } from '../model.js';
import { samplePayload, type DeliveryPayload } from './payload.js';
import { signatureHeaders } from '../secret.js';
import { parseTemplate, renderTemplate, type Template } from './template.js';
import { TEMPLATE_ROOTS } from './payload.js';
import { urlCredential } from '../url-redaction.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { postJson } from './http-outcome.js';

function rendersJson(template: Template): string | null {
  try {
    JSON.parse(renderTemplate(template, samplePayload(), 'json'));
    return null;
  } catch {
    return 'must render valid JSON; put text variables inside quotes, as in {"text": "{{event.message}}"}';
  }
}

/**
 * The generic webhook: the payload as JSON (or the body template, with values
 * JSON-escaped), signed per Standard Webhooks so the receiver can check it came from
 * here and has not been replayed.
 */
class WebhookSender implements Channel {
  private readonly template: Template | null;

  constructor(
    private readonly config: WebhookChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.template = config.body_template
      ? parseTemplate(config.body_template, TEMPLATE_ROOTS)
      : null;
  }

  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const body = this.template
      ? renderTemplate(this.template, payload, 'json')
      : JSON.stringify(payload);
    // A fresh timestamp per attempt: verifiers refuse signatures older than minutes.
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      ...this.config.headers,
      'user-agent': this.deps.userAgent,
      ...signatureHeaders(this.deps.secret, context.message_id, timestamp, body),
    };
    return postJson(this.deps.http, this.config.url, headers, body, context.signal, {
      secrets: [
        this.deps.secret,
        ...Object.values(this.config.headers),
        urlCredential(this.config.url),
      ],
    });
  }
}

export const webhookSpec: ChannelSpec<WebhookChannel> = {
  type: 'webhook',
  secrets: [],
  secretMaps: ['headers'],
  // Many generic webhook URLs are the credential (Teams, Mattermost, Zapier, ?token=).
  secretUrls: ['url'],
  parse(fields) {
    const config: WebhookChannel = {
      type: 'webhook',
      url: fields.url('url'),
      headers: fields.headers('headers'),
      body_template: fields.template('body_template', rendersJson),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.url', url: config.url }],
  create: (config, deps) => new WebhookSender(config, deps),
};
