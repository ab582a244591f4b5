import type { ChannelType } from '../../api/triggers';

export interface ChannelField {
  name: string;
  label: string;
  type?: 'text' | 'url' | 'number' | 'select';
  required?: boolean;
  placeholder?: string;
  hint?: string;
  options?: readonly string[];
  default?: string | number;
}

export interface ChannelSpec {
  type: ChannelType;
  label: string;
  fields: readonly ChannelField[];
  /** The channel's credential, sent as the trigger's write-only `secret`. */
  secret: { label: string; required: boolean; hint?: string } | null;
}

/** Each channel type with only its own fields (the server names a bad one as `channel.<name>`). */
export const CHANNELS: readonly ChannelSpec[] = [
  {
    type: 'webhook',
    label: 'Webhook',
    fields: [
      {
        name: 'url',
        label: 'URL',
        type: 'url',
        required: true,
        placeholder: 'https://receiver.example/hook',
      },
    ],
    secret: {
      label: 'Signing secret',
      required: false,
      hint: 'Optional: requests are signed with HMAC-SHA256 of the body.',
    },
  },
  {
    type: 'slack',
    label: 'Slack',
    fields: [],
    secret: {
      label: 'Incoming webhook URL',
      required: true,
      hint: 'https://hooks.slack.com/services/…',
    },
  },
  {
    type: 'discord',
    label: 'Discord',
    fields: [],
    secret: { label: 'Webhook URL', required: true, hint: 'https://discord.com/api/webhooks/…' },
  },
  {
    type: 'ntfy',
    label: 'ntfy',
    fields: [
      {
        name: 'server_url',
        label: 'Server',
        type: 'url',
        required: true,
        default: 'https://ntfy.sh',
      },
      { name: 'topic', label: 'Topic', required: true },
    ],
    secret: { label: 'Access token', required: false, hint: 'Only for a protected topic.' },
  },
  {
    type: 'gotify',
    label: 'Gotify',
    fields: [{ name: 'server_url', label: 'Server', type: 'url', required: true }],
    secret: { label: 'Application token', required: true },
  },
  {
    type: 'telegram',
    label: 'Telegram',
    fields: [{ name: 'chat_id', label: 'Chat id', required: true }],
    secret: { label: 'Bot token', required: true },
  },
  {
    type: 'email',
    label: 'E-mail',
    fields: [
      { name: 'smtp_host', label: 'SMTP host', required: true },
      { name: 'smtp_port', label: 'SMTP port', type: 'number', required: true, default: 587 },
      {
        name: 'tls',
        label: 'TLS',
        type: 'select',
        options: ['starttls', 'tls', 'none'],
        default: 'starttls',
      },
      { name: 'username', label: 'SMTP user' },
      { name: 'from', label: 'From', required: true, placeholder: 'logwarden@example.com' },
      { name: 'to', label: 'To', required: true, hint: 'Several addresses separated by commas.' },
    ],
    secret: { label: 'SMTP password', required: false },
  },
];

export function channelSpec(type: ChannelType): ChannelSpec {
  return CHANNELS.find((c) => c.type === type) ?? CHANNELS[0]!;
}

/** A fresh channel of `type` with its defaults. */
export function defaultChannel(type: ChannelType): { type: ChannelType } & Record<string, unknown> {
  const channel: { type: ChannelType } & Record<string, unknown> = { type };
  for (const field of channelSpec(type).fields) {
    if (field.default !== undefined) channel[field.name] = field.default;
  }
  return channel;
}

/** The channel as the API wants it: only this type's fields, numbers as numbers. */
export function channelInput(channel: { type: ChannelType } & Record<string, unknown>) {
  const out: { type: ChannelType } & Record<string, unknown> = { type: channel.type };
  for (const field of channelSpec(channel.type).fields) {
    const value = channel[field.name];
    if (value === undefined || value === '') continue;
    out[field.name] =
      field.type === 'number' && /^\d+$/.test(String(value)) ? Number(value) : value;
  }
  return out;
}
