import type { Journal } from '../audit/model.js';
import { journalObject } from '../audit/object-id.js';
import type { ChannelType } from './model.js';

/** What the operations journal is told about a delivery or a trigger's own change. */
export interface DeliveryJournalEntry {
  action:
    | 'delivery.sent'
    | 'delivery.retrying'
    | 'delivery.failed'
    | 'delivery.dead'
    | 'trigger.disabled'
    | 'delivery.test';
  trigger_id: number;
  trigger_name: string;
  channel: ChannelType;
  delivery_id: number | null;
  event_id: number | null;
  attempt: number | null;
  status_code: number | null;
  /** Never holds a credential: outcomes are scrubbed before they get here. */
  error: string | null;
  latency_ms: number | null;
  /** A grouped send: how many deliveries (events) the one message carried. */
  batch?: number;
}

/** The operations journal (src/audit), as the trigger domain needs it. */
export interface DeliveryJournal {
  record(entry: DeliveryJournalEntry): void;
}

export type DeliveryOutcomeKind = 'sent' | 'retrying' | 'failed' | 'dead';

/** Delivery metrics (src/metrics), as the trigger domain needs them. */
export interface DeliveryMetrics {
  observe(channel: ChannelType, outcome: DeliveryOutcomeKind, latencyMs: number): void;
}

/**
 * A delivery outcome as an operation: its trigger is the object; it worked when sent
 * (or, for a test send, when no error came back); a failure's code is its HTTP status.
 */
export function journalDeliveries(operations: Journal): DeliveryJournal {
  return {
    record: (entry) =>
      operations.record({
        source: 'triggers',
        actor: 'system',
        action: entry.action,
        object: journalObject.trigger(entry.trigger_id),
        success:
          entry.action === 'delivery.sent' ||
          (entry.action === 'delivery.test' && entry.error === null),
        error_code: entry.error === null ? null : `HTTP_${entry.status_code ?? 'ERROR'}`,
        details: { ...entry },
      }),
  };
}

export const NO_JOURNAL: DeliveryJournal = { record: () => undefined };
export const NO_METRICS: DeliveryMetrics = { observe: () => undefined };
