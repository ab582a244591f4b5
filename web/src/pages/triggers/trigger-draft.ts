import {
  DEFAULT_NOTIFY_ON,
  SECRET_PLACEHOLDER,
  type NotifyOn,
  type Channel,
  type ChannelType,
  type Trigger,
  type TriggerFilter,
  type TriggerInput,
} from '../../api/triggers';
import { commaList } from '../../forms/comma-list';
import { channelSpec } from './channels';

export interface HeaderRow {
  /** A stable key for the row while it is edited. */
  id: number;
  name: string;
  /** As typed; '' for a stored value left alone. */
  value: string;
  /** The server holds a value for this header (read back as `********`). */
  stored: boolean;
}

export interface ChannelDraft {
  type: ChannelType;
  /** Each setting as typed; a stored write-only one stays '' until it is replaced. */
  values: Record<string, string>;
  /** Write-only settings the server holds: left empty, they are kept. */
  stored: readonly string[];
  headers: readonly HeaderRow[];
}

export interface TriggerDraft {
  name: string;
  enabled: boolean;
  /** The filter, its hosts as typed (comma-separated). */
  filter: Omit<TriggerFilter, 'hosts'> & { hosts: string };
  channel: ChannelDraft;
  /** A new signing secret, typed or generated; '' keeps the stored one (or, new, makes one). */
  secret: string;
  /** Grouping, in seconds as typed ('0': off). */
  group_wait_seconds: string;
  group_interval_seconds: string;
  /** How long a rule hit's notification waits for the lines after it, as typed. */
  context_wait_seconds: string;
  /** Which incident transitions (or every event) it notifies. */
  notify_on: NotifyOn[];
  /** Reminders while an incident is open, in seconds, as typed; '0': none. */
  repeat_interval_seconds: string;
}

let headerIds = 0;
export const headerRow = (name = '', value = '', stored = false): HeaderRow => ({
  id: ++headerIds,
  name,
  value,
  stored,
});

/** A fresh channel of `type` with its starting values. */
export function newChannel(type: ChannelType): ChannelDraft {
  const values: Record<string, string> = {};
  for (const field of channelSpec(type).fields) values[field.name] = field.initial ?? '';
  return { type, values, stored: [], headers: [] };
}

export const NEW_TRIGGER: TriggerDraft = {
  name: '',
  enabled: true,
  filter: {
    severities: ['error', 'critical'],
    sources: [],
    workloads: [],
    hosts: '',
    message_regex: '',
  },
  channel: newChannel('webhook'),
  secret: '',
  group_wait_seconds: '0',
  group_interval_seconds: '0',
  context_wait_seconds: '3',
  notify_on: [...DEFAULT_NOTIFY_ON],
  repeat_interval_seconds: '0',
};

const shown = (value: unknown): string =>
  value === null || value === undefined
    ? ''
    : Array.isArray(value)
      ? value.map(String).join(', ')
      : String(value);

/** The editor's view of a channel as the API shows it. */
export function channelDraft(channel: Channel): ChannelDraft {
  const spec = channelSpec(channel.type);
  const values: Record<string, string> = {};
  const stored: string[] = [];
  for (const field of spec.fields) {
    const value = channel[field.name];
    if (field.kind === 'secret') {
      values[field.name] = '';
      if (value === SECRET_PLACEHOLDER) stored.push(field.name);
    } else values[field.name] = shown(value);
  }
  const headers = Object.entries((channel.headers ?? {}) as Record<string, unknown>).map(
    ([name, value]) =>
      value === SECRET_PLACEHOLDER ? headerRow(name, '', true) : headerRow(name, shown(value)),
  );
  return { type: channel.type, values, stored, headers };
}

export function draftOfTrigger(t: Trigger): TriggerDraft {
  return {
    name: t.name,
    enabled: t.enabled,
    filter: {
      severities: t.filter.severities,
      sources: t.filter.sources,
      workloads: t.filter.workloads,
      hosts: t.filter.hosts.join(', '),
      message_regex: t.filter.message_regex,
    },
    channel: channelDraft(t.channel),
    secret: '',
    group_wait_seconds: String(t.group_wait_seconds),
    group_interval_seconds: String(t.group_interval_seconds),
    context_wait_seconds: String(t.context_wait_seconds),
    notify_on: [...t.notify_on],
    repeat_interval_seconds: String(t.repeat_interval_seconds),
  };
}

/**
 * The channel as the API takes it: only this type's settings; empty ones as null (the
 * server's default, or "is required" on the right field); a write-only one left alone
 * as `********`, which keeps the stored value.
 */
export function channelInput(draft: ChannelDraft): Channel {
  const spec = channelSpec(draft.type);
  const out: Channel = { type: draft.type };
  for (const field of spec.fields) {
    const raw = draft.values[field.name] ?? '';
    const value = raw.trim();
    switch (field.kind) {
      case 'secret':
        out[field.name] =
          raw !== '' ? raw : draft.stored.includes(field.name) ? SECRET_PLACEHOLDER : null;
        break;
      case 'number':
        // Not a number: sent as typed, so the server names the field and says why.
        out[field.name] = value === '' ? null : /^\d+$/.test(value) ? Number(value) : value;
        break;
      case 'list':
        out[field.name] =
          value === ''
            ? null
            : value
                .split(/[,;\n]/)
                .map((s) => s.trim())
                .filter(Boolean);
        break;
      case 'template':
        out[field.name] = value === '' ? null : raw;
        break;
      default:
        out[field.name] = value === '' ? null : value;
    }
  }
  if (spec.headers) {
    const headers: Record<string, string> = {};
    for (const row of draft.headers) {
      const name = row.name.trim();
      if (!name) continue;
      headers[name] = row.value !== '' ? row.value : row.stored ? SECRET_PLACEHOLDER : '';
    }
    out.headers = headers;
  }
  return out;
}

/** Seconds as typed: a whole number, or sent as it is so the server names the field. */
const seconds = (typed: string): number =>
  /^\d+$/.test(typed.trim()) ? Number(typed.trim()) : (typed as unknown as number);

export function triggerInput(draft: TriggerDraft): TriggerInput {
  const secret = draft.secret.trim();
  const wait = draft.context_wait_seconds.trim();
  const repeat = draft.repeat_interval_seconds.trim();
  return {
    name: draft.name,
    enabled: draft.enabled,
    filter: { ...draft.filter, hosts: commaList(draft.filter.hosts) },
    channel: channelInput(draft.channel),
    ...(secret ? { secret } : {}),
    group_wait_seconds: seconds(draft.group_wait_seconds),
    group_interval_seconds: seconds(draft.group_interval_seconds),
    // Not a number: sent as typed, so the server names the field and says why.
    context_wait_seconds: /^\d+$/.test(wait) ? Number(wait) : (wait as unknown as number),
    notify_on: draft.notify_on,
    repeat_interval_seconds: /^\d+$/.test(repeat) ? Number(repeat) : (repeat as unknown as number),
  };
}

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function generateSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}
