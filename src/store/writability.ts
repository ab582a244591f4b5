import type { Logger } from 'pino';
import {
  classifyStoreFault,
  describeStoreFault,
  STORE_FAULTS,
  type StoreFault,
} from './store-fault.js';

export interface WritabilityState {
  writable: boolean;
  /** Why writes fail, while they do. */
  reason: StoreFault | null;
  /** The driver's own words for the last failure (SQLITE_FULL, ECONNREFUSED…). */
  error: string | null;
  /** When writes started failing (ms since the epoch). */
  since: number | null;
}

export interface StoreOutage {
  reason: StoreFault;
  since: number;
  duration_ms: number;
}

export interface WriteProbeOptions {
  /** While writable, probe when nothing was written for this long. */
  idleMs?: number;
  /** While not writable, probe this often. */
  retryMs?: number;
}

/**
 * Whether the database takes writes now, as the last write found out. Real writes report
 * here through the dialect; a small probe write keeps the state fresh when nothing else
 * writes, so /readyz neither misses a lock on an idle system nor stays red after it ends.
 */
export class StoreWritability {
  private current: WritabilityState = { writable: true, reason: null, error: null, since: null };
  private readonly failures = Object.fromEntries(STORE_FAULTS.map((f) => [f, 0])) as Record<
    StoreFault,
    number
  >;
  private readonly resumeListeners = new Set<(outage: StoreOutage) => void>();
  private lastAttempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;

  constructor(
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  state(): WritabilityState {
    return { ...this.current };
  }

  /** Failed writes by reason since start. */
  failureCounts(): Record<StoreFault, number> {
    return { ...this.failures };
  }

  /** A write failed for a store reason; the first of an outage is logged with its cause. */
  failed(reason: StoreFault, err: unknown): void {
    this.failures[reason]++;
    this.lastAttempt = this.now();
    const message = err instanceof Error ? err.message : String(err);
    if (!this.current.writable && this.current.reason === reason) {
      this.current.error = message;
      return;
    }
    this.log?.error({ err, reason }, describeStoreFault(reason));
    this.current = {
      writable: false,
      reason,
      error: message,
      since: this.current.since ?? this.now(),
    };
  }

  /** A write committed: the store takes writes (again). */
  succeeded(): void {
    this.lastAttempt = this.now();
    if (this.current.writable) return;
    const outage: StoreOutage = {
      reason: this.current.reason!,
      since: this.current.since!,
      duration_ms: this.now() - this.current.since!,
    };
    this.current = { writable: true, reason: null, error: null, since: null };
    this.log?.warn({ outage }, 'database writable again');
    for (const listener of this.resumeListeners) {
      try {
        listener(outage);
      } catch (err) {
        this.log?.error({ err }, 'store resume listener failed');
      }
    }
  }

  /** Told once per outage, when writes succeed again. Returns the function that removes it. */
  onResume(listener: (outage: StoreOutage) => void): () => void {
    this.resumeListeners.add(listener);
    return () => {
      this.resumeListeners.delete(listener);
    };
  }

  /** Runs `probe` (a small committed write) when no other write told us anything lately. */
  startProbing(probe: () => Promise<void>, options: WriteProbeOptions = {}): void {
    if (this.timer) return;
    const idleMs = options.idleMs ?? 10_000;
    const retryMs = options.retryMs ?? 2_000;
    const tick = Math.max(Math.min(idleMs, retryMs) / 2, 50);
    this.lastAttempt = this.now();
    this.timer = setInterval(() => {
      const quietFor = this.now() - this.lastAttempt;
      if (this.probing || quietFor < (this.current.writable ? idleMs : retryMs)) return;
      this.probing = true;
      probe()
        // The dialect already reported the outcome of the write itself.
        .catch((err: unknown) => {
          if (classifyStoreFault(err) === null)
            this.log?.warn({ err }, 'database write probe failed');
        })
        .finally(() => {
          this.probing = false;
        });
    }, tick);
    this.timer.unref();
  }

  stopProbing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
