import type { ChannelType } from '../../api/triggers';

/**
 * How a setting is edited: `secret` is write-only (read back as `********`), `list` is
 * several values in one box, `template` a message template (empty: the default).
 */
export type FieldKind = 'text' | 'url' | 'number' | 'select' | 'secret' | 'list' | 'template';

export interface ChannelField {
  /** The setting's name inside `channel` (the server names a bad one `channel.<name>`). */
  name: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  placeholder?: string;
  hint?: string;
  options?: readonly string[];
  /** What a new trigger starts with. */
  initial?: string;
  /** A template that must render JSON (the webhook's body). */
  json?: boolean;
}

export interface ChannelSpec {
  type: ChannelType;
  label: string;
  fields: readonly ChannelField[];
  /** Webhook headers: names to write-only values. */
  headers?: boolean;
  /** Requests are signed with the trigger's secret (Standard Webhooks). */
  signed?: boolean;
}

const TITLE_HINT = 'Empty: "[severity] trigger name".';
const BODY_HINT = 'Empty: the message, the container, the workload and the source.';

/** Each channel type with only its own settings, as src/triggers/channels/* read them. */
export const CHANNELS: readonly ChannelSpec[] = [
  {
    type: 'webhook',
    label: 'Webhook',
    signed: true,
    headers: true,
    fields: [
      {
        name: 'url',
        label: 'URL',
        kind: 'url',
        required: true,
        placeholder: 'https://receiver.example/hook',
      },
      {
        name: 'body_template',
        label: 'Body template (JSON)',
        kind: 'template',
        json: true,
        hint: 'Empty: the standard payload. Put string values in quotes: "{{event.message}}".',
      },
    ],
  },
  {
    type: 'slack',
    label: 'Slack',
    fields: [
      {
        name: 'url',
        label: 'Incoming webhook URL',
        kind: 'secret',
        required: true,
        placeholder: 'https://hooks.slack.com/services/…',
        hint: 'It carries its token, so it is write-only.',
      },
      { name: 'text_template', label: 'Text template', kind: 'template', hint: BODY_HINT },
    ],
  },
  {
    type: 'discord',
    label: 'Discord',
    fields: [
      {
        name: 'url',
        label: 'Webhook URL',
        kind: 'secret',
        required: true,
        placeholder: 'https://discord.com/api/webhooks/…',
        hint: 'It carries its token, so it is write-only.',
      },
      { name: 'username', label: 'Post as', kind: 'text', placeholder: 'Logwarden' },
      { name: 'content_template', label: 'Content template', kind: 'template', hint: BODY_HINT },
    ],
  },
  {
    type: 'ntfy',
    label: 'ntfy',
    fields: [
      { name: 'server', label: 'Server', kind: 'url', initial: 'https://ntfy.sh' },
      {
        name: 'topic',
        label: 'Topic',
        kind: 'text',
        required: true,
        hint: 'Letters, digits, - and _.',
      },
      { name: 'token', label: 'Access token', kind: 'secret', hint: 'Only for a protected topic.' },
      { name: 'title_template', label: 'Title template', kind: 'template', hint: TITLE_HINT },
      { name: 'message_template', label: 'Message template', kind: 'template', hint: BODY_HINT },
    ],
  },
  {
    type: 'gotify',
    label: 'Gotify',
    fields: [
      {
        name: 'server',
        label: 'Server',
        kind: 'url',
        required: true,
        placeholder: 'https://gotify.example',
      },
      { name: 'token', label: 'Application token', kind: 'secret', required: true },
      { name: 'title_template', label: 'Title template', kind: 'template', hint: TITLE_HINT },
      { name: 'message_template', label: 'Message template', kind: 'template', hint: BODY_HINT },
    ],
  },
  {
    type: 'telegram',
    label: 'Telegram',
    fields: [
      {
        name: 'bot_token',
        label: 'Bot token',
        kind: 'secret',
        required: true,
        placeholder: '123456:ABC-…',
      },
      {
        name: 'chat_id',
        label: 'Chat id',
        kind: 'text',
        required: true,
        hint: 'A numeric chat id or @channelname.',
      },
      {
        name: 'api_url',
        label: 'Bot API server',
        kind: 'url',
        initial: 'https://api.telegram.org',
      },
      { name: 'text_template', label: 'Text template', kind: 'template', hint: BODY_HINT },
    ],
  },
  {
    type: 'email',
    label: 'E-mail',
    fields: [
      { name: 'host', label: 'SMTP host', kind: 'text', required: true },
      {
        name: 'security',
        label: 'Security',
        kind: 'select',
        options: ['starttls', 'tls', 'none'],
        initial: 'starttls',
        hint: 'starttls: upgrade required (587); tls: TLS from the start (465); none: plain.',
      },
      {
        name: 'port',
        label: 'SMTP port',
        kind: 'number',
        hint: 'Empty: 587, 465 or 25 by security.',
      },
      { name: 'username', label: 'SMTP user', kind: 'text' },
      { name: 'password', label: 'SMTP password', kind: 'secret' },
      {
        name: 'from',
        label: 'From',
        kind: 'text',
        required: true,
        placeholder: 'Logwarden <alerts@example.net>',
      },
      {
        name: 'to',
        label: 'To',
        kind: 'list',
        required: true,
        hint: '1 to 20 addresses, separated by commas.',
      },
      { name: 'subject_template', label: 'Subject template', kind: 'template', hint: TITLE_HINT },
      { name: 'body_template', label: 'Body template', kind: 'template', hint: BODY_HINT },
    ],
  },
];

export function channelSpec(type: ChannelType): ChannelSpec {
  return CHANNELS.find((c) => c.type === type) ?? CHANNELS[0]!;
}
