import { http, query, type Page } from './client';
import type { EventSource, Severity } from './types';

export type ChannelType =
  'webhook' | 'slack' | 'discord' | 'ntfy' | 'gotify' | 'telegram' | 'email';

/** What the server shows instead of a stored secret; sent back, it keeps the secret. */
export const SECRET_PLACEHOLDER = '********';

export interface Trigger {
  id: number;
  name: string;
  enabled: boolean;
  filter: {
    severities: Severity[];
    sources: EventSource[];
    workloads: string[];
    message_regex: string;
  };
  channel: { type: ChannelType } & Record<string, unknown>;
  /** `********` when one is stored, empty or null when none is. */
  secret: string | null;
  created_at?: string;
  updated_at?: string;
}

export type TriggerInput = Omit<Trigger, 'id' | 'created_at' | 'updated_at'>;

export interface TestOutcome {
  ok: boolean;
  status: number | null;
  latency_ms: number | null;
  error: string | null;
}

export interface Delivery {
  id: number;
  trigger_id: number;
  trigger_name?: string;
  event_id: number | null;
  status: string;
  attempts?: number;
  response_status?: number | null;
  status_code?: number | null;
  error?: string | null;
  last_error?: string | null;
  created_at?: string;
  updated_at?: string;
  delivered_at?: string | null;
  next_attempt_at?: string | null;
}

export const triggersApi = {
  list: () => http.get<Page<Trigger>>('/api/triggers'),
  get: (id: number) => http.get<Trigger>(`/api/triggers/${id}`),
  create: (input: TriggerInput) => http.post<Trigger>('/api/triggers', input),
  update: (id: number, input: Partial<TriggerInput>) =>
    http.patch<Trigger>(`/api/triggers/${id}`, input),
  delete: (id: number) => http.delete(`/api/triggers/${id}`),
  test: (id: number) => http.post<TestOutcome>(`/api/triggers/${id}/test`),
  deliveriesOf: (id: number) => http.get<Page<Delivery>>(`/api/triggers/${id}/deliveries`),
  deliveries: (filter: { event?: number; status?: string } = {}) =>
    http.get<Page<Delivery>>(`/api/deliveries${query(filter)}`),
  retry: (deliveryId: number) => http.post<Delivery>(`/api/deliveries/${deliveryId}/retry`),
};
