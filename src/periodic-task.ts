import type { Logger } from 'pino';

export interface PeriodicTaskOptions {
  /** Named in the log when a run fails. */
  name: string;
  intervalMs: number;
  log: Logger;
  /** Run once at start, before the first interval has passed (default true). */
  runAtStart?: boolean;
}

/**
 * Runs `work` every interval, one run at a time: a run still going when the next is due
 * (or when `run()` is called) is shared, not doubled. `stop()` aborts the signal the run
 * was given and waits for it, so nothing outlives the part that owns it. A failed run is
 * logged and the next one is tried on schedule.
 */
export class PeriodicTask<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;
  private controller = new AbortController();

  constructor(
    private readonly work: (signal: AbortSignal) => Promise<T>,
    private readonly options: PeriodicTaskOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.controller = new AbortController();
    const tick = () => void this.run().catch(() => undefined);
    if (this.options.runAtStart ?? true) tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  /** One run now, or the one already under way; rejects when it failed. */
  run(): Promise<T> {
    this.running ??= this.work(this.controller.signal)
      .catch((err: unknown) => {
        this.options.log.warn({ err, task: this.options.name }, `${this.options.name} failed`);
        throw err;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.controller.abort();
    await this.running?.catch(() => undefined);
  }
}
