import { http, query, type Page } from './client';
import type { EventSource, Severity } from './types';

export type ChannelType =
  'webhook' | 'slack' | 'discord' | 'ntfy' | 'gotify' | 'telegram' | 'email';

/** What reads show instead of a write-only value; sent back, it keeps the stored one. */
export const SECRET_PLACEHOLDER = '********';

/**
 * A channel's settings as the API shows them: `type` and that channel's own fields
 * (src/triggers/model.ts), credentials as `********`.
 */
export type Channel = { type: ChannelType } & Record<string, unknown>;

export interface TriggerFilter {
  severities: Severity[];
  sources: EventSource[];
  workloads: string[];
  message_regex: string;
}

export interface Trigger {
  id: number;
  name: string;
  enabled: boolean;
  filter: TriggerFilter;
  channel: Channel;
  /**
   * The webhook's Standard Webhooks signing secret: `********` on reads; the create
   * answer carries the one Logwarden generated, that once.
   */
  secret: string;
  /** Why the trigger turned itself off (a receiver answered 410 Gone), else null. */
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** Every field optional: a PATCH changes only what it sends. */
export interface TriggerInput {
  name?: string;
  enabled?: boolean;
  filter?: Partial<TriggerFilter>;
  channel?: Channel;
  secret?: string;
}

/** `POST /api/triggers/:id/test`: one real send, now; nothing is stored. */
export interface TestOutcome {
  ok: boolean;
  status: 'sent' | 'failed';
  /** The receiver's HTTP status (SMTP code for e-mail); null when none answered. */
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'dead';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sent', 'failed', 'dead'];

export interface Delivery {
  id: number;
  trigger_id: number;
  event_id: number;
  channel: ChannelType;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due; only while pending. */
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  latency_ms: number | null;
  /** The `webhook-id`, the same on every attempt. */
  message_id: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  trigger?: number;
  /** The `next` of the previous page. */
  before?: number;
  limit?: number;
}

export const MAX_DELIVERY_PAGE = 500;

export const triggersApi = {
  list: () => http.get<Page<Trigger>>('/api/triggers'),
  get: (id: number) => http.get<Trigger>(`/api/triggers/${id}`),
  create: (input: TriggerInput) => http.post<Trigger>('/api/triggers', input),
  update: (id: number, input: TriggerInput) => http.patch<Trigger>(`/api/triggers/${id}`, input),
  delete: (id: number) => http.delete(`/api/triggers/${id}`),
  test: (id: number) => http.post<TestOutcome>(`/api/triggers/${id}/test`),
  deliveriesOf: (id: number, q: Omit<DeliveryQuery, 'trigger'> = {}) =>
    http.get<Page<Delivery> & { next: number | null }>(
      `/api/triggers/${id}/deliveries${query({ ...q })}`,
    ),
  deliveries: (q: DeliveryQuery = {}) =>
    http.get<Page<Delivery> & { next: number | null }>(`/api/deliveries${query({ ...q })}`),
  retry: (deliveryId: number) => http.post<Delivery>(`/api/deliveries/${deliveryId}/retry`),
};
