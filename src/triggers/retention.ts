import type { Logger } from 'pino';

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
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly outbox: FinishedDeliveries,
    private readonly log: Logger,
    private readonly options: { retentionDays: number; intervalMs?: number; batchSize?: number },
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const run = () =>
      void this.prune().catch((err: unknown) => this.log.warn({ err }, 'delivery pruning failed'));
    run();
    this.timer = setInterval(run, this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pruning run; concurrent calls share it. Returns how many rows went. */
  prune(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const batch = this.options.batchSize ?? 5000;
    const cutoff = this.now() - this.options.retentionDays * 86_400_000;
    let total = 0;
    for (;;) {
      const n = await this.outbox.deleteFinishedBefore(cutoff, batch);
      total += n;
      if (n < batch) break;
    }
    if (total > 0) this.log.info({ deleted: total }, 'finished deliveries pruned');
    return total;
  }
}
