import type { SlackChannel } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { postJson } from './http-outcome.js';
import { TextTemplate, titleAndBody } from './text.js';

/** Slack keeps 40,000 characters of `text`. */
const MAX_TEXT = 40_000;

/** A Slack incoming webhook: `{"text": …}` in mrkdwn, with &, < and > escaped. */
class SlackSender implements Channel {
  private readonly text: TextTemplate;

  constructor(
    private readonly config: SlackChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.text = new TextTemplate(
      config.text_template,
      'slack',
      titleAndBody((s) => `*${s}*`),
      MAX_TEXT,
      true,
    );
  }

  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const body = JSON.stringify({ text: this.text.render(payload) });
    return postJson(
      this.deps.http,
      this.config.url,
      { 'user-agent': this.deps.userAgent },
      body,
      context.signal,
      { secrets: [this.config.url] },
    );
  }
}

export const slackSpec: ChannelSpec<SlackChannel> = {
  type: 'slack',
  secrets: ['url'],
  secretMaps: [],
  secretUrls: [],
  parse(fields) {
    const config: SlackChannel = {
      type: 'slack',
      url: fields.url('url'),
      text_template: fields.template('text_template'),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.url', url: config.url }],
  create: (config, deps) => new SlackSender(config, deps),
};
