import type { Logger } from 'pino';
import { ErrorCode, isAppError } from '../errors.js';
import type { ContainerIndex } from './container-index.js';
import type { DockerEventsFollower, EngineHealthCheck } from './events-follower.js';

export const DEFAULT_RESYNC_SECONDS = 30;
export const MAX_RESYNC_SECONDS = 300;

/** ≤ 0 means the default; more than 5 min is clamped so state never goes stale for long. */
export function resyncIntervalMs(seconds: number): number {
  if (seconds <= 0) return DEFAULT_RESYNC_SECONDS * 1000;
  return Math.min(seconds, MAX_RESYNC_SECONDS) * 1000;
}

/**
 * Runs the index: the events follower keeps it current; the periodic full pass is the
 * safety net for anything the stream missed.
 */
export class InventoryMonitor {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly index: ContainerIndex,
    private readonly follower: DockerEventsFollower,
    private readonly log: Logger,
    private readonly resyncMs: number,
    private readonly engine?: EngineHealthCheck,
  ) {}

  get following(): boolean {
    return this.follower.following;
  }

  /**
   * A first pass before anything else reads the index (the scanner starts tails from
   * it). Docker being down is not fatal: the follower keeps trying.
   */
  async start(): Promise<void> {
    try {
      const report = await this.index.syncAll();
      this.log.info(report, 'containers indexed');
    } catch (err) {
      this.log.warn({ err }, 'first inventory pass failed; retrying in the background');
    }
    this.follower.start();
    this.timer = setInterval(() => {
      this.index.syncAll().then(
        (report) => this.log.debug(report, 'resync pass'),
        (err: unknown) => {
          if (isAppError(err, ErrorCode.DockerUnavailable)) {
            // The engine monitor says so, once; not every pass.
            this.engine?.recheck();
            this.log.debug({ err }, 'resync pass failed');
          } else this.log.warn({ err }, 'resync pass failed');
        },
      );
    }, this.resyncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.follower.stop();
  }
}
