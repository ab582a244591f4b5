import type { Logger } from 'pino';

export interface EngineStatus {
  reachable: boolean;
  version: string | null;
  api_version: string | null;
  error: string | null;
  checked_at: string | null;
}

/** What the monitor needs from the Engine API client. */
export interface EngineVersionSource {
  version(): Promise<{ Version: string; ApiVersion: string }>;
}

export interface EngineMonitorOptions {
  /** Between checks while the engine answers. */
  healthyIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Knows whether dockerd answers, for /readyz and the UI. Checks every 15 s while it
 * does, and at once when another part saw Docker fail (the events stream broke, a
 * request could not connect: `recheck`); while it does not, checks back off from 1 s to
 * 30 s so a host whose engine is down is not hammered. Logs the first verdict if it is
 * "unreachable", then each change, once: not every failed retry.
 */
export class EngineMonitor {
  private current: EngineStatus = {
    reachable: false,
    version: null,
    api_version: null,
    error: 'not checked yet',
    checked_at: null,
  };
  private timer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private stopped = true;
  /** False until the first check has answered. */
  private known = false;
  private inFlight: Promise<EngineStatus> | null = null;
  private readonly listeners = new Set<(status: EngineStatus) => void>();
  private readonly healthyIntervalMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly source: EngineVersionSource,
    private readonly log: Logger,
    options: EngineMonitorOptions = {},
  ) {
    this.healthyIntervalMs = options.healthyIntervalMs ?? 15_000;
    this.minBackoffMs = options.minBackoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.backoffMs = this.minBackoffMs;
  }

  status(): EngineStatus {
    return this.current;
  }

  onChange(listener: (status: EngineStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.check();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Another part saw Docker fail, or come back: check now instead of at the next tick,
   * so /readyz and the log say so within a request's time.
   */
  recheck(): void {
    if (this.stopped) return;
    void this.check();
  }

  /** Checks now; a check already under way is shared, not repeated. */
  check(): Promise<EngineStatus> {
    this.inFlight ??= this.runCheck().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async runCheck(): Promise<EngineStatus> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const was = this.known ? this.current.reachable : null;
    this.known = true;
    try {
      const v = await this.source.version();
      this.current = {
        reachable: true,
        version: v.Version,
        api_version: v.ApiVersion,
        error: null,
        checked_at: new Date().toISOString(),
      };
      this.backoffMs = this.minBackoffMs;
    } catch (err) {
      this.current = {
        ...this.current,
        reachable: false,
        error: (err as Error).message,
        checked_at: new Date().toISOString(),
      };
    }
    if (was !== this.current.reachable) {
      if (this.current.reachable)
        this.log.info(
          { version: this.current.version },
          was === null ? 'docker engine reachable' : 'docker engine reachable again',
        );
      else this.log.warn({ error: this.current.error }, 'docker engine unreachable');
      for (const listener of this.listeners) {
        try {
          listener(this.current);
        } catch (err) {
          this.log.error({ err }, 'engine status listener failed');
        }
      }
    }
    this.schedule();
    return this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    let delay = this.healthyIntervalMs;
    if (!this.current.reachable) {
      delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    }
    this.timer = setTimeout(() => void this.check(), delay);
    this.timer.unref();
  }
}
