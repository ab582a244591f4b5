import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import { deleteInBatches } from '../store/batched-delete.js';

/** The silences, as retention prunes them. */
export interface ExpiredSilences {
  deleteExpiredBefore(cutoff: number, batch: number): Promise<number>;
}

/**
 * Keeps expired silences for the record (`silences.retention_days` after they end),
 * then deletes them. Active and pending ones are never touched, nor one whose end was
 * not handled yet.
 */
export class SilenceRetention {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly silences: ExpiredSilences,
    private readonly log: Logger,
    private readonly options: { retentionDays: number; intervalMs?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.task = new PeriodicTask((signal) => this.run(signal), {
      name: 'silence pruning',
      intervalMs: options.intervalMs ?? 3_600_000,
      log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One pruning run; returns how many silences went. */
  prune(): Promise<number> {
    return this.task.run();
  }

  private async run(signal: AbortSignal): Promise<number> {
    const cutoff = this.now() - this.options.retentionDays * 86_400_000;
    const total = await deleteInBatches((size) => this.silences.deleteExpiredBefore(cutoff, size), {
      maxBatch: 1000,
      pauseMs: 10,
      signal,
    });
    if (total > 0) this.log.info({ deleted: total }, 'expired silences pruned');
    return total;
  }
}
