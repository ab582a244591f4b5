import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import { deleteInBatches } from './batched-delete.js';

/** Deletes up to `batch` rows older than `cutoff` (ms); returns how many went. */
export type DeleteOlderThan = (cutoff: number, batch: number) => Promise<number>;

/**
 * Runs the job called `job` unless another process on the same database runs it now;
 * null when it did not run. Replicas sharing one database prune the same rows: one at
 * a time, the others skip a run and try at their next tick (Store.runAlone).
 */
export type RunAlone = <T>(job: string, work: () => Promise<T>) => Promise<T | null>;

/** One process alone on its database (SQLite, tests): every run runs. */
export const runAlways: RunAlone = (_job, work) => work();

export interface AgeRetentionOptions {
  /** The task's name in logs. */
  name: string;
  /** What the log line says went. */
  pruned: string;
  retentionDays: number;
  intervalMs?: number;
  batchSize: number;
  runAlone?: RunAlone;
}

/**
 * Deletes rows older than a number of days, hourly by default, in batches with a pause
 * between them for everyone else's queries. The table decides which rows are old.
 */
export class AgeRetention {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly deleteOlderThan: DeleteOlderThan,
    private readonly log: Logger,
    private readonly options: AgeRetentionOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.task = new PeriodicTask((signal) => this.run(signal), {
      name: options.name,
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
    const runAlone = this.options.runAlone ?? runAlways;
    const total = await runAlone(this.options.name, () => {
      const cutoff = this.now() - this.options.retentionDays * 86_400_000;
      return deleteInBatches((size) => this.deleteOlderThan(cutoff, size), {
        maxBatch: this.options.batchSize,
        pauseMs: 10,
        signal,
      });
    });
    if (total === null) this.log.debug(`${this.options.name} runs on another replica: skipped`);
    if (total) this.log.info({ deleted: total }, this.options.pruned);
    return total ?? 0;
  }
}
