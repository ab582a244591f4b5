import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import { dayOf, type JournalFiles } from './day-files.js';

const HOUR_MS = 3_600_000;

/** Removes the journal's day files older than the retention, at start and every hour. */
export class JournalRetention {
  private readonly task: PeriodicTask<string[]>;

  constructor(
    private readonly files: JournalFiles,
    private readonly retentionDays: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.task = new PeriodicTask(async () => this.prune(), {
      name: 'journal retention',
      intervalMs: HOUR_MS,
      log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Removes the files of days before today minus the retention; returns those days. */
  prune(): string[] {
    try {
      const keepFrom = dayOf(this.now() - this.retentionDays * 86_400_000);
      const removed = this.files.removeBefore(keepFrom);
      if (removed.length > 0) this.log.info({ days: removed }, 'journal files removed');
      return removed;
    } catch (err) {
      this.log.warn({ err }, 'journal retention failed');
      return [];
    }
  }
}
