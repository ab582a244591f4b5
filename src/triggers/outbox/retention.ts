import type { Logger } from 'pino';
import { AgeRetention, type RunAlone } from '../../store/age-retention.js';

/** The outbox, as retention prunes it. */
export interface FinishedDeliveries {
  deleteFinishedBefore(cutoff: number, batch: number): Promise<number>;
}

/**
 * Keeps the outbox from growing for ever: finished deliveries (sent, failed, dead)
 * last touched longer ago than the event retention are deleted, in batches. Pending
 * ones are never touched.
 */
export class DeliveryRetention extends AgeRetention {
  constructor(
    outbox: FinishedDeliveries,
    log: Logger,
    options: {
      retentionDays: number;
      intervalMs?: number;
      batchSize?: number;
      runAlone?: RunAlone;
    },
    now: () => number = Date.now,
  ) {
    super(
      (cutoff, batch) => outbox.deleteFinishedBefore(cutoff, batch),
      log,
      {
        name: 'delivery pruning',
        pruned: 'finished deliveries pruned',
        retentionDays: options.retentionDays,
        intervalMs: options.intervalMs,
        batchSize: options.batchSize ?? 5000,
        runAlone: options.runAlone,
      },
      now,
    );
  }
}
