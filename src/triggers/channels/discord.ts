import type { DiscordChannel } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { jsonBody, postJson } from './http-outcome.js';
import { TextTemplate, titleAndBody } from './text.js';

/** Discord refuses `content` longer than 2000 characters. */
const MAX_CONTENT = 2000;

/**
 * A Discord webhook: `{"content": …}`. Mentions are switched off, so a log line
 * saying `@everyone` cannot ping a whole server.
 */
class DiscordSender implements Channel {
  private readonly content: TextTemplate;

  constructor(
    private readonly config: DiscordChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.content = new TextTemplate(
      config.content_template,
      'text',
      titleAndBody((s) => `**${s}**`),
      MAX_CONTENT,
      true,
    );
  }

  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const message: Record<string, unknown> = {
      content: this.content.render(payload),
      allowed_mentions: { parse: [] },
    };
    if (this.config.username) message.username = this.config.username;
    return postJson(
      this.deps.http,
      this.config.url,
      { 'user-agent': this.deps.userAgent },
      JSON.stringify(message),
      context.signal,
      {
        secrets: [this.config.url],
        explain: (res) => {
          const m = jsonBody(res)?.message;
          return typeof m === 'string' ? m : null;
        },
        // Discord's 429 body: {"retry_after": seconds}.
        retryAfter: (res) => {
          const s = jsonBody(res)?.retry_after;
          return typeof s === 'number' ? Math.round(s * 1000) : null;
        },
      },
    );
  }
}

export const discordSpec: ChannelSpec<DiscordChannel> = {
  type: 'discord',
  secrets: ['url'],
  secretMaps: [],
  secretUrls: [],
  parse(fields) {
    const config: DiscordChannel = {
      type: 'discord',
      url: fields.url('url'),
      content_template: fields.template('content_template'),
      username: fields.optionalString('username', 80),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.url', url: config.url }],
  create: (config, deps) => new DiscordSender(config, deps),
};
