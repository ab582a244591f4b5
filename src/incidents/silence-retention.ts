import type { Logger } from 'pino';
import { AgeRetention, type RunAlone } from '../store/age-retention.js';

/** The silences, as retention prunes them. */
export interface ExpiredSilences {
  deleteExpiredBefore(cutoff: number, batch: number): Promise<number>;
}

/**
 * Keeps expired silences for the record (`silences.retention_days` after they end),
 * then deletes them. Active and pending ones are never touched, nor one whose end was
 * not handled yet.
 */
export class SilenceRetention extends AgeRetention {
  constructor(
    silences: ExpiredSilences,
    log: Logger,
    options: { retentionDays: number; intervalMs?: number; runAlone?: RunAlone },
    now: () => number = Date.now,
  ) {
    super(
      (cutoff, batch) => silences.deleteExpiredBefore(cutoff, batch),
      log,
      {
        name: 'silence pruning',
        pruned: 'expired silences pruned',
        retentionDays: options.retentionDays,
        intervalMs: options.intervalMs,
        batchSize: 1000,
        runAlone: options.runAlone,
      },
      now,
    );
  }
}
