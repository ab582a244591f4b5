import type { Logger } from 'pino';
import type { DockerEvent, EventsOptions } from '../docker/index.js';
import { sleep } from '../sleep.js';

/** What the follower needs from the Engine API client. */
export interface EventsSource {
  events(options: EventsOptions): Promise<AsyncIterable<DockerEvent>>;
}

/** What the follower drives. */
export interface EventsTarget {
  syncAll(): Promise<unknown>;
  applyEvent(event: DockerEvent): Promise<void>;
}

/** Told when the stream breaks or comes back, so the engine's health is checked at once. */
export interface EngineHealthCheck {
  recheck(): void;
}

export interface FollowerOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  engine?: EngineHealthCheck;
}

/** Events already applied, so a replay from `since` after a reconnect is not applied twice. */
const REMEMBERED_EVENTS = 4096;

function eventKey(e: DockerEvent): string {
  return `${e.timeNano}:${e.Actor.ID}:${e.Action}`;
}

/**
 * Follows Docker's /events so the index is current within a second. When the stream
 * ends or fails (dockerd restarted, socket gone) it backs off, runs a full sync to catch
 * what happened meanwhile, and resumes with `since` at the last event it applied.
 */
export class DockerEventsFollower {
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private cursor: bigint | null = null;
  private readonly applied = new Set<string>();
  private connected = false;

  constructor(
    private readonly source: EventsSource,
    private readonly target: EventsTarget,
    private readonly log: Logger,
    private readonly options: FollowerOptions = {},
  ) {}

  /** Whether the events stream is currently attached. */
  get following(): boolean {
    return this.connected;
  }

  start(): void {
    if (this.loop) return;
    this.controller = new AbortController();
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
    this.controller = null;
  }

  private nowNanos(): bigint {
    return BigInt((this.options.now ?? Date.now)()) * 1_000_000n;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const minBackoff = this.options.minBackoffMs ?? 1000;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    // The first failure of a streak is worth a warning; its retries are not.
    let failing = false;
    const lost = (message: string, err?: unknown) => {
      this.options.engine?.recheck();
      const fields = { err, retry_ms: backoff };
      if (failing) this.log.debug(fields, message);
      else this.log.warn(fields, message);
      failing = true;
    };
    while (!signal.aborted) {
      try {
        // Events from the instant before the pass are replayed after it, so nothing
        // that happens during the pass is lost.
        const passStart = this.nowNanos() - 1_000_000_000n;
        await this.target.syncAll();
        this.cursor ??= passStart;
        const stream = await this.source.events({
          sinceNanos: this.cursor,
          filters: { type: ['container'] },
          signal,
        });
        this.connected = true;
        this.log.info({ since: this.cursor.toString() }, 'following docker events');
        if (failing) this.options.engine?.recheck();
        failing = false;
        backoff = minBackoff;
        for await (const event of stream) {
          await this.apply(event);
        }
        if (!signal.aborted) lost('docker events stream ended; reconnecting');
      } catch (err) {
        if (signal.aborted) break;
        lost('docker events unavailable; retrying', err);
      } finally {
        this.connected = false;
      }
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
  }

  private async apply(event: DockerEvent): Promise<void> {
    const key = eventKey(event);
    if (this.applied.has(key)) return;
    try {
      await this.target.applyEvent(event);
    } catch (err) {
      this.log.warn({ err, action: event.Action, container: event.Actor.ID }, 'event not applied');
    }
    this.applied.add(key);
    if (this.applied.size > REMEMBERED_EVENTS) {
      this.applied.delete(this.applied.values().next().value!);
    }
    if (typeof event.timeNano === 'number') {
      // timeNano exceeds 2^53 and arrives rounded by JSON.parse; resume a little early
      // and let the applied-set drop the replays.
      const at = BigInt(event.timeNano) - 1_000n;
      if (this.cursor === null || at > this.cursor) this.cursor = at;
    }
  }
}
