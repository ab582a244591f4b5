import type { EventSource, Severity, StoredEvent } from '../events/model.js';

/** What reads show instead of a credential; a write that sends it back keeps the stored one. */
export const PLACEHOLDER = '********';

export const CHANNEL_TYPES = [
  'webhook',
  'slack',
  'discord',
  'ntfy',
  'gotify',
  'telegram',
  'email',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const MAX_NAME_LENGTH = 200;
export const MAX_TRIGGERS = 200;
export const MAX_FILTER_ITEMS = 100;
/**
 * How long a delivery of a rule hit waits for the lines after it, by default and at
 * most. The scanner ends collecting within 10 s (and then releases the delivery at
 * once); the longer bound covers a scanner that restarted meanwhile.
 */
export const DEFAULT_CONTEXT_WAIT_SECONDS = 3;
export const MAX_CONTEXT_WAIT_SECONDS = 30;

/** Bounds of a trigger's grouping settings (0 = off, the default). */
export const MAX_GROUP_WAIT_SECONDS = 600;
export const MAX_GROUP_INTERVAL_SECONDS = 86_400;
/** A grouped message lists at most this many events (it says how many more there were). */
export const MAX_GROUP_LISTED = 50;
/** One grouped send takes at most this many deliveries; the rest go in the next batch. */
export const MAX_GROUP_BATCH = 1000;

/** Whether a trigger batches its notifications. */
export function isGrouped(t: Pick<Trigger, 'group_wait_seconds' | 'group_interval_seconds'>) {
  return t.group_wait_seconds > 0 || t.group_interval_seconds > 0;
}

/** Each part narrows; an empty part matches anything. Parts AND together. */
export interface TriggerFilter {
  /** Any of. */
  severities: Severity[];
  /** Any of. */
  sources: EventSource[];
  /** Any of these workload ids. */
  workloads: string[];
  /** Any of these hosts (scale-out); `local`: the serving process's own engine. */
  hosts: string[];
  /** RE2, searched in the message; empty matches anything. */
  message_regex: string;
}

export const EMPTY_FILTER: TriggerFilter = {
  severities: [],
  sources: [],
  workloads: [],
  hosts: [],
  message_regex: '',
};

export interface WebhookChannel {
  type: 'webhook';
  url: string;
  /** Sent with every request; the values are write-only (they often carry tokens). */
  headers: Record<string, string>;
  /** A JSON body template; null sends the standard payload. */
  body_template: string | null;
}

export interface SlackChannel {
  type: 'slack';
  /** An incoming-webhook URL: it is the credential, so it is write-only. */
  url: string;
  text_template: string | null;
}

export interface DiscordChannel {
  type: 'discord';
  /** A webhook URL with its token: write-only. */
  url: string;
  content_template: string | null;
  username: string | null;
}

export interface NtfyChannel {
  type: 'ntfy';
  server: string;
  topic: string;
  token: string | null;
  title_template: string | null;
  message_template: string | null;
}

export interface GotifyChannel {
  type: 'gotify';
  server: string;
  /** The application token. */
  token: string;
  title_template: string | null;
  message_template: string | null;
}

export interface TelegramChannel {
  type: 'telegram';
  /** https://api.telegram.org unless a Bot API server of your own. */
  api_url: string;
  bot_token: string;
  chat_id: string;
  text_template: string | null;
}

export const SMTP_SECURITY = ['tls', 'starttls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export interface EmailChannel {
  type: 'email';
  host: string;
  port: number;
  /** tls: TLS from the start (465); starttls: upgrade required (587); none: plain. */
  security: SmtpSecurity;
  username: string | null;
  password: string | null;
  from: string;
  to: string[];
  subject_template: string | null;
  body_template: string | null;
}

export type ChannelConfig =
  | WebhookChannel
  | SlackChannel
  | DiscordChannel
  | NtfyChannel
  | GotifyChannel
  | TelegramChannel
  | EmailChannel;

/**
 * What a trigger notifies: every event it matches (`event`, the behaviour before
 * incidents), or an incident's transitions: `opened` (its first event), `reminder`
 * (every repeat_interval_seconds while open), `resolved` (quiet for its
 * resolve_after, or cleared).
 */
export const NOTIFY_ON = ['event', 'opened', 'reminder', 'resolved'] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];
/** What a new trigger notifies when it does not say. */
export const DEFAULT_NOTIFY_ON: readonly NotifyOn[] = ['opened', 'resolved'];
export const MAX_REPEAT_INTERVAL_SECONDS = 604_800;

/** The transition a delivery carries: the notify_on entry it was staged for. */
export type DeliveryTransition = NotifyOn;

/** One row of `event_triggers`. Times are milliseconds since the epoch. */
export interface Trigger {
  id: number;
  name: string;
  enabled: boolean;
  filter: TriggerFilter;
  channel: ChannelConfig;
  /** Standard Webhooks signing secret, `whsec_` + base64. */
  secret: string;
  /** Why the trigger turned itself off (the receiver answered 410), else null. */
  disabled_reason: string | null;
  /** Which transitions it notifies; never empty. */
  notify_on: NotifyOn[];
  /** Reminders while an incident stays open, with `reminder` in notify_on; 0: none. */
  repeat_interval_seconds: number;
  /**
   * Grouping (0 = off): the first notification of a batch waits this long to collect
   * what arrives with it, and is sent as one message listing them.
   */
  group_wait_seconds: number;
  /** Grouping: after a batch is sent, the next goes no sooner than this. */
  group_interval_seconds: number;
  /**
   * A delivery of a rule hit whose lines after are still being collected is due at most
   * this long after the hit; it goes as soon as they are stored (0: at once, without them).
   */
  context_wait_seconds: number;
  created_at: number;
  updated_at: number;
}

export type TriggerFields = Omit<Trigger, 'id' | 'created_at' | 'updated_at'>;

/** What the API hands in; every field is checked by the service. */
export interface TriggerInput {
  name?: unknown;
  enabled?: unknown;
  filter?: unknown;
  channel?: unknown;
  secret?: unknown;
  group_wait_seconds?: unknown;
  group_interval_seconds?: unknown;
  notify_on?: unknown;
  repeat_interval_seconds?: unknown;
  context_wait_seconds?: unknown;
}

/**
 * pending: waiting for its first or next attempt; sent: a receiver took it;
 * failed: refused for good (a 4xx, a redirect, a refused address, a disabled
 * trigger); dead: every attempt failed.
 */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A page of deliveries: how many one read returns by default and at most. */
export const DEFAULT_DELIVERY_PAGE = 100;
export const MAX_DELIVERY_PAGE = 500;

/** One row of the outbox, `trigger_deliveries`. */
export interface Delivery {
  id: number;
  trigger_id: number;
  event_id: number;
  channel: ChannelType;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  latency_ms: number | null;
  /** The `webhook-id`: the same on every attempt, so receivers can drop repeats. */
  message_id: string;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** What it notifies: the event, or an incident's opening, reminder or resolution. */
  transition: DeliveryTransition;
  /** The incident of an opened, reminder or resolved delivery; null for `event`. */
  incident_id: number | null;
}

/** What a delivery tells about its incident, read when it is sent. */
export interface DeliveryIncident {
  id: number;
  key: string;
  state: 'open' | 'resolved';
  count: number;
  first_seen: number;
  last_seen: number;
  resolved_at: number | null;
  resolve_reason: string | null;
  last_message: string;
}

/**
 * A delivery about to be sent, with its event read from the event log (a delivery row
 * refers to its event rather than copying it per trigger). Null when retention pruned
 * the event before the delivery ended.
 */
export interface DueDelivery extends Delivery {
  event: StoredEvent | null;
  /** The incident of the delivery (or of its event); null when none. */
  incident: DeliveryIncident | null;
}

export interface NewDelivery {
  trigger_id: number;
  /** Already in the event log (the dispatcher stages in the event's transaction). */
  event: StoredEvent;
  channel: ChannelType;
  message_id: string;
  /** The trigger's grouping, in milliseconds; absent or null: sent on its own, at once. */
  group?: { wait_ms: number; interval_ms: number } | null;
  /** `event` when not given. */
  transition?: DeliveryTransition;
  incident_id?: number | null;
  /** A reminder's number (0 otherwise). */
  sequence?: number;
  /** When it is due (milliseconds since the epoch); default when it is written. */
  due_at?: number;
}
