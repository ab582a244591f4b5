import type { Severity } from '../../events/model.js';
import type { NtfyChannel } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { jsonBody, postJson } from './http-outcome.js';
import { bodyOnly, endpoint, TextTemplate, titleOnly } from './text.js';

/** ntfy priorities: 1 min … 3 default … 5 max. */
const PRIORITY: Record<Severity, number> = { info: 2, warn: 3, error: 4, critical: 5 };
/** ntfy turns longer messages into attachments. */
const MAX_MESSAGE = 4096;
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/** ntfy, published as JSON to the server's root: topic, title, message, priority, tags. */
class NtfySender implements Channel {
  private readonly title: TextTemplate;
  private readonly message: TextTemplate;

  constructor(
    private readonly config: NtfyChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.title = new TextTemplate(config.title_template, 'text', titleOnly, 256);
    this.message = new TextTemplate(config.message_template, 'text', bodyOnly, MAX_MESSAGE, true);
  }

  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const body = JSON.stringify({
      topic: this.config.topic,
      title: this.title.render(payload),
      message: this.message.render(payload),
      priority: PRIORITY[payload.event.severity],
      tags: [payload.event.severity, payload.event.source],
    });
    const headers: Record<string, string> = { 'user-agent': this.deps.userAgent };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    return postJson(
      this.deps.http,
      endpoint(this.config.server, '/'),
      headers,
      body,
      context.signal,
      {
        secrets: [this.config.token],
        explain: (res) => {
          const e = jsonBody(res)?.error;
          return typeof e === 'string' ? e : null;
        },
      },
    );
  }
}

export const ntfySpec: ChannelSpec<NtfyChannel> = {
  type: 'ntfy',
  secrets: ['token'],
  secretMaps: [],
  secretUrls: [],
  parse(fields) {
    const topic = fields.string('topic', 64);
    if (!TOPIC.test(topic))
      throw fields.invalid('topic', 'must be 1 to 64 letters, digits, - or _');
    const config: NtfyChannel = {
      type: 'ntfy',
      server: fields.url('server', 'https://ntfy.sh'),
      topic,
      token: fields.optionalString('token', 512),
      title_template: fields.template('title_template'),
      message_template: fields.template('message_template'),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.server', url: config.server }],
  create: (config, deps) => new NtfySender(config, deps),
};
