import type { Logger } from 'pino';
import { PeriodicTask } from '../../periodic-task.js';
import { deleteInBatches } from '../../store/batched-delete.js';

/** The outbox, as retention prunes it. */
export interface FinishedDeliveries {
  deleteFinishedBefore(cutoff: number, batch: number): Promise<number>;
}

/**
 * Keeps the outbox from growing for ever: finished deliveries (sent, failed, dead)
 * last touched longer ago than the event retention are deleted, in batches. Pending
 * ones are never touched.
 */
export class DeliveryRetention {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly outbox: FinishedDeliveries,
    private readonly log: Logger,
    private readonly options: { retentionDays: number; intervalMs?: number; batchSize?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.task = new PeriodicTask((signal) => this.run(signal), {
      name: 'delivery pruning',
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

  /** One pruning run; concurrent calls share it. Returns how many rows went. */
  prune(): Promise<number> {
    return this.task.run();
  }

  private async run(signal: AbortSignal): Promise<number> {
    const batch = this.options.batchSize ?? 5000;
    const cutoff = this.now() - this.options.retentionDays * 86_400_000;
    const total = await deleteInBatches((size) => this.outbox.deleteFinishedBefore(cutoff, size), {
      maxBatch: batch,
      pauseMs: 10, // room for everyone else's queries between batches
      signal,
    });
    if (total > 0) this.log.info({ deleted: total }, 'finished deliveries pruned');
    return total;
  }
}
