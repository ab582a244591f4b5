import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import { sleep } from '../sleep.js';
import { runAlways, type RunAlone } from '../store/age-retention.js';
import { deleteInBatches } from '../store/batched-delete.js';
import type { EventRepository, PruneHook } from './repository.js';

export interface RetentionOptions {
  /** Runs in each deleting transaction with the ids about to go. */
  beforeDelete?: PruneHook;
  retentionDays: number;
  retentionRows: number;
  intervalMs?: number;
  /** The most rows per deleting transaction; fewer when a batch overruns its time budget. */
  batchSize?: number;
  /** Pause between batches, for everyone else's queries. */
  pauseMs?: number;
  /**
   * Hands freed pages back to the file system, up to `maxPages` per call; returns how
   * many free pages are left (Store.reclaimSpace). Without it the file keeps its size.
   */
  reclaimSpace?: (maxPages: number) => Promise<number>;
  /** Replicas on one database: one prunes at a time (Store.runAlone). */
  runAlone?: RunAlone;
}

/** Pages handed back per step (4 KiB each): a few milliseconds of work. */
const RECLAIM_STEP = 256;

export interface PruneReport {
  by_age: number;
  by_rows: number;
}

/**
 * Keeps the event log within its age and row limits. Deletes in small batches with a pause
 * between them, found through indexes (an idle pass costs a few index probes), so a large
 * backlog never holds the database, or the event loop, for long; then hands the freed
 * space back to the file system.
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
    const runAlone = this.options.runAlone ?? runAlways;
    const report = await runAlone('event pruning', () => this.pass(signal));
    if (report === null) this.log.debug('event pruning runs on another replica: skipped');
    return report ?? { by_age: 0, by_rows: 0 };
  }

  private async pass(signal: AbortSignal): Promise<PruneReport> {
    const batch = this.options.batchSize ?? 1000;
    const pause = this.options.pauseMs ?? 10;
    const before = this.options.beforeDelete;
    const cutoff = this.now() - this.options.retentionDays * 86_400_000;
    const report: PruneReport = { by_age: 0, by_rows: 0 };
    const batches = { maxBatch: batch, pauseMs: pause, signal };
    report.by_age = await deleteInBatches(
      (size) => this.repo.deleteOlderThan(cutoff, size, before),
      batches,
    );
    // Found once through the primary key; events arriving meanwhile only move it later.
    const boundary = signal.aborted
      ? null
      : await this.repo.rowLimitBoundary(this.options.retentionRows);
    if (boundary !== null) {
      report.by_rows = await deleteInBatches(
        (size) => this.repo.deleteUpTo(boundary, size, before),
        batches,
      );
    }
    if (report.by_age + report.by_rows > 0) this.log.info(report, 'events pruned');
    await this.reclaim(signal);
    return report;
  }

  /** Returns freed space in small steps; a failure only leaves the file larger. */
  private async reclaim(signal: AbortSignal): Promise<void> {
    const reclaim = this.options.reclaimSpace;
    if (!reclaim) return;
    try {
      // Stops when nothing is left, or after as many steps as the first count called for
      // (writes meanwhile free pages too; a file not in incremental mode never shrinks).
      let left = await reclaim(RECLAIM_STEP);
      for (let steps = Math.ceil(left / RECLAIM_STEP); left > 0 && steps > 0; steps--) {
        await sleep(this.options.pauseMs ?? 10, signal);
        if (signal.aborted) break;
        left = await reclaim(RECLAIM_STEP);
      }
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err }, 'could not return free space to the file system');
    }
  }
}
