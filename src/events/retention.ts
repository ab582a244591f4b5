import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import { sleep } from '../sleep.js';
import type { EventRepository, PruneHook } from './repository.js';

export interface RetentionOptions {
  /** Runs in each deleting transaction with the ids about to go. */
  beforeDelete?: PruneHook;
  retentionDays: number;
  retentionRows: number;
  intervalMs?: number;
  batchSize?: number;
}

export interface PruneReport {
  by_age: number;
  by_rows: number;
}

/**
 * Keeps the event log within its age and row limits. Deletes in batches with a pause
 * between them, so a large backlog never holds the database from writers for long.
 */
export class EventRetention {
  private readonly task: PeriodicTask<PruneReport>;

  constructor(
    private readonly repo: EventRepository,
    private readonly log: Logger,
    private readonly options: RetentionOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.task = new PeriodicTask((signal) => this.run(signal), {
      name: 'event pruning',
      intervalMs: options.intervalMs ?? 10 * 60_000,
      log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One pruning run; concurrent calls share it. */
  prune(): Promise<PruneReport> {
    return this.task.run();
  }

  private async run(signal: AbortSignal): Promise<PruneReport> {
    const batch = this.options.batchSize ?? 5000;
    const cutoff = this.now() - this.options.retentionDays * 86_400_000;
    const report: PruneReport = { by_age: 0, by_rows: 0 };
    for (;;) {
      const n = await this.repo.deleteOlderThan(cutoff, batch, this.options.beforeDelete);
      report.by_age += n;
      if (n < batch || signal.aborted) break;
      await sleep(50, signal);
    }
    for (;;) {
      const n = await this.repo.deleteBeyond(
        this.options.retentionRows,
        batch,
        this.options.beforeDelete,
      );
      report.by_rows += n;
      if (n < batch || signal.aborted) break;
      await sleep(50, signal);
    }
    if (report.by_age + report.by_rows > 0) this.log.info(report, 'events pruned');
    return report;
  }
}
