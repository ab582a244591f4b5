import type {
  ChannelType,
  Delivery,
  DeliveryStatus,
  TestOutcome,
  Trigger,
  TriggerFilter,
} from '../../../src/api/wire/triggers.js';
import { http, query, type Page } from './client';

export {
  DELIVERY_STATUSES,
  DEFAULT_NOTIFY_ON,
  MAX_DELIVERY_PAGE,
  NOTIFY_ON,
  PLACEHOLDER as SECRET_PLACEHOLDER,
  type NotifyOn,
} from '../../../src/triggers/model.js';
export type {
  ChannelType,
  Trigger,
  TriggerFilter,
  TestOutcome,
  Delivery,
  DeliveryStatus,
} from '../../../src/api/wire/triggers.js';

/**
 * A channel's settings as the editor handles them: `type` and that channel's own fields
 * (each type's are in the wire contract's Channel), credentials as `********`.
 */
export type Channel = { type: ChannelType } & Record<string, unknown>;

/** Every field optional: a PATCH changes only what it sends. */
export interface TriggerInput {
  name?: string;
  enabled?: boolean;
  filter?: Partial<TriggerFilter>;
  channel?: Channel;
  secret?: string;
  group_wait_seconds?: number;
  group_interval_seconds?: number;
  context_wait_seconds?: number;
  notify_on?: string[];
  repeat_interval_seconds?: number;
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  trigger?: number;
  /** The `next` of the previous page. */
  before?: number;
  limit?: number;
}

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
