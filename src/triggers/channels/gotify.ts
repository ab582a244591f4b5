import type { Severity } from '../../events/model.js';
import type { GotifyChannel } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { jsonBody, postJson } from './http-outcome.js';
import { bodyOnly, endpoint, TextTemplate, titleOnly } from './text.js';

/** Gotify priorities 0–10; clients notify loudly from 8. */
const PRIORITY: Record<Severity, number> = { info: 2, warn: 5, error: 8, critical: 10 };

/**
 * Gotify: POST /message with the application token in X-Gotify-Key (not the query
 * string, so it stays out of proxies' access logs).
 */
class GotifySender implements Channel {
  private readonly title: TextTemplate;
  private readonly message: TextTemplate;

  constructor(
    private readonly config: GotifyChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.title = new TextTemplate(config.title_template, 'text', titleOnly, 1024);
    this.message = new TextTemplate(config.message_template, 'text', bodyOnly, 64 * 1024, true);
  }

  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const body = JSON.stringify({
      title: this.title.render(payload),
      message: this.message.render(payload),
      priority: PRIORITY[payload.event.severity],
      extras: { 'client::display': { contentType: 'text/plain' } },
    });
    return postJson(
      this.deps.http,
      endpoint(this.config.server, '/message'),
      { 'user-agent': this.deps.userAgent, 'x-gotify-key': this.config.token },
      body,
      context.signal,
      {
        secrets: [this.config.token],
        explain: (res) => {
          const b = jsonBody(res);
          return typeof b?.errorDescription === 'string' ? b.errorDescription : null;
        },
      },
    );
  }
}

export const gotifySpec: ChannelSpec<GotifyChannel> = {
  type: 'gotify',
  secrets: ['token'],
  secretMaps: [],
  secretUrls: [],
  parse(fields) {
    const config: GotifyChannel = {
      type: 'gotify',
      server: fields.url('server'),
      token: fields.string('token', 512),
      title_template: fields.template('title_template'),
      message_template: fields.template('message_template'),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.server', url: config.server }],
  create: (config, deps) => new GotifySender(config, deps),
};
