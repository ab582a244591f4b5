import type { Logger } from 'pino';
import { dayOf, type JournalFiles } from './day-files.js';

const HOUR_MS = 3_600_000;

/** Removes the journal's day files older than the retention, at start and every hour. */
export class JournalRetention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly files: JournalFiles,
    private readonly retentionDays: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.prune();
    this.timer = setInterval(() => this.prune(), HOUR_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
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
