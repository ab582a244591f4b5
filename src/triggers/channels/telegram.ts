import type { TelegramChannel } from '../model.js';
import type { DeliveryPayload } from './payload.js';
import type { Channel, ChannelDeps, ChannelSpec, SendContext, SendOutcome } from './channel.js';
import { jsonBody, postJson } from './http-outcome.js';
import { bodyOnly, endpoint, TextTemplate } from './text.js';
import { defaultTitle } from './payload.js';

/** Telegram refuses messages over 4096 characters. */
const MAX_TEXT = 4096;
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
const CHAT_ID = /^(-?\d+|@[A-Za-z0-9_]{5,64})$/;

/**
 * Telegram's Bot API sendMessage, as plain text (no parse_mode), so nothing in a log
 * line is read as markup. The token sits in the URL path: errors never carry the URL.
 */
class TelegramSender implements Channel {
  private readonly text: TextTemplate;

  constructor(
    private readonly config: TelegramChannel,
    private readonly deps: ChannelDeps,
  ) {
    this.text = new TextTemplate(
      config.text_template,
      'text',
      (payload, esc) => `${esc(defaultTitle(payload))}\n${bodyOnly(payload, esc)}`,
      MAX_TEXT,
      true,
    );
  }

  send(payload: DeliveryPayload, context: SendContext): Promise<SendOutcome> {
    const body = JSON.stringify({
      chat_id: this.config.chat_id,
      text: this.text.render(payload),
      link_preview_options: { is_disabled: true },
    });
    return postJson(
      this.deps.http,
      endpoint(this.config.api_url, `/bot${this.config.bot_token}/sendMessage`),
      { 'user-agent': this.deps.userAgent },
      body,
      context.signal,
      {
        secrets: [this.config.bot_token],
        explain: (res) => {
          const d = jsonBody(res)?.description;
          return typeof d === 'string' ? d : null;
        },
        // {"ok": false, "error_code": 429, "parameters": {"retry_after": 30}}
        retryAfter: (res) => {
          const p = jsonBody(res)?.parameters as { retry_after?: unknown } | undefined;
          return typeof p?.retry_after === 'number' ? p.retry_after * 1000 : null;
        },
      },
    );
  }
}

export const telegramSpec: ChannelSpec<TelegramChannel> = {
  type: 'telegram',
  secrets: ['bot_token'],
  secretMaps: [],
  secretUrls: [],
  parse(fields) {
    const token = fields.string('bot_token', 256);
    if (!BOT_TOKEN.test(token))
      throw fields.invalid('bot_token', 'is not a bot token (123456:ABC-…)');
    const chatId = fields.idString('chat_id');
    if (!CHAT_ID.test(chatId))
      throw fields.invalid('chat_id', 'must be a numeric chat id or @channelname');
    const config: TelegramChannel = {
      type: 'telegram',
      api_url: fields.url('api_url', 'https://api.telegram.org'),
      bot_token: token,
      chat_id: chatId,
      text_template: fields.template('text_template'),
    };
    fields.done();
    return config;
  },
  targets: (config) => [{ field: 'channel.api_url', url: config.api_url }],
  create: (config, deps) => new TelegramSender(config, deps),
};
