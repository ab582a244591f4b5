import type { Logger } from 'pino';
import type { StoredEvent } from '../events/model.js';
import { PatternCache, TriggerMatcher } from './filter.js';
import type { NewDelivery, Trigger } from './model.js';
import { newMessageId } from './secret.js';

/** Where the dispatcher reads the triggers from. */
export interface TriggerSource {
  list(filter: { enabled?: boolean }): Promise<Trigger[]>;
}

/** The outbox, as the dispatcher writes it. */
export interface Outbox {
  enqueue(rows: readonly NewDelivery[], now: number): Promise<number>;
}

/** The bus, as the dispatcher listens to it. */
export interface EventFeed {
  subscribe(listener: (event: StoredEvent) => void): () => void;
}

/** Told when new deliveries are waiting. */
export interface DeliveryWaker {
  wake(): void;
}

/**
 * Subscribes to recorded events and, in the same turn, writes one outbox row per
 * enabled trigger whose filter accepts the event; the worker sends from there. It
 * never records events, so no trigger can feed itself.
 */
export class TriggerDispatcher {
  private matcher = TriggerMatcher.empty();
  private readonly cache = new PatternCache();
  private unsubscribe: (() => void) | null = null;
  private readonly writes = new Set<Promise<void>>();
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      triggers: TriggerSource;
      outbox: Outbox;
      worker: DeliveryWaker;
      log: Logger;
      now?: () => number;
    },
  ) {}

  /** Loads the triggers, then listens: call before any producer starts. */
  async start(feed: EventFeed): Promise<void> {
    await this.reload();
    this.unsubscribe ??= feed.subscribe((event) => this.dispatch(event));
  }

  /** Stops listening and waits for the outbox writes already begun. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await Promise.allSettled([...this.writes]);
  }

  /** Rebuilds the matcher from the enabled triggers; reloads run one after another. */
  reload(): Promise<void> {
    this.reloading = this.reloading
      .catch(() => undefined)
      .then(async () => {
        const triggers = await this.deps.triggers.list({ enabled: true });
        this.matcher = TriggerMatcher.build(triggers, this.cache);
      });
    return this.reloading;
  }

  get triggerCount(): number {
    return this.matcher.size;
  }

  /** How many regexes were compiled so far: each trigger version compiles once. */
  get compiles(): number {
    return this.cache.compiles;
  }

  /** Synchronous up to the write, which starts before this returns. */
  dispatch(event: StoredEvent): void {
    const matching = this.matcher.match(event);
    if (matching.length === 0) return;
    const rows: NewDelivery[] = matching.map((trigger) => ({
      trigger_id: trigger.id,
      event,
      channel: trigger.channel.type,
      message_id: newMessageId(),
    }));
    const write = this.deps.outbox
      .enqueue(rows, (this.deps.now ?? Date.now)())
      .then(
        () => this.deps.worker.wake(),
        (err: unknown) =>
          this.deps.log.error(
            { err, event_id: event.id, triggers: rows.map((r) => r.trigger_id) },
            'could not write deliveries to the outbox',
          ),
      )
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }
}
