import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { StoredEvent } from '../../events/model.js';
import type { Database } from '../../store/index.js';
import { PatternCache, TriggerMatcher } from '../filter.js';
import { isGrouped, type NewDelivery, type Trigger } from '../model.js';
import { newMessageId } from '../secret.js';

/** Where the dispatcher reads the triggers from. */
export interface TriggerSource {
  list(filter: { enabled?: boolean }): Promise<Trigger[]>;
}

/** The outbox, as the dispatcher writes it: within the event's own transaction. */
export interface Outbox {
  enqueue(rows: readonly NewDelivery[], now: number, tx: Kysely<Database>): Promise<number>;
  /** Copies events about to be pruned into the deliveries that refer to them. */
  keepEvents(ids: readonly number[], tx: Kysely<Database>): Promise<void>;
  /** Makes the deliveries that wait for these events' lines after due now. */
  release(eventIds: readonly number[], now: number, tx: Kysely<Database>): Promise<number>;
}

/** The event log, as the dispatcher joins its appends. */
export interface EventAppends {
  withinAppend(
    hook: (tx: Kysely<Database>, events: readonly StoredEvent[]) => Promise<(() => void) | void>,
  ): () => void;
  /** Joins the transactions that prune events, with the ids about to go. */
  withinPrune(hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<void>): () => void;
  /** Joins the transactions that store the lines after hits, with their events' ids. */
  withinContext(
    hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<(() => void) | void>,
  ): () => void;
}

/** Told when new deliveries are waiting. */
export interface DeliveryWaker {
  wake(): void;
}

/**
 * Writes one outbox row per enabled trigger whose filter accepts an event, in the
 * transaction that records the event: an event is never stored without its
 * deliveries, even across a crash. The worker sends from there. It never records
 * events, so no trigger can feed itself. An event a silence matched (`silenced_by`)
 * gets no delivery.
 */
export class TriggerDispatcher {
  private matcher = TriggerMatcher.empty();
  private readonly cache = new PatternCache();
  private detach: (() => void) | null = null;
  private detachPrune: (() => void) | null = null;
  private detachContext: (() => void) | null = null;
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

  /** Loads the triggers, then joins the event log's appends: call before any producer starts. */
  async start(events: EventAppends): Promise<void> {
    await this.reload();
    this.detach ??= events.withinAppend((tx, recorded) => this.stage(tx, recorded));
    // A delivery refers to its event; one pruned before the delivery is done leaves a copy.
    this.detachPrune ??= events.withinPrune((tx, ids) => this.deps.outbox.keepEvents(ids, tx));
    // A delivery that waits for a hit's lines after goes once they are stored.
    this.detachContext ??= events.withinContext(async (tx, ids) => {
      const released = await this.deps.outbox.release(ids, this.now(), tx);
      if (released > 0) return () => this.deps.worker.wake();
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Later appends write no deliveries; those already staged commit with their events. */
  async stop(): Promise<void> {
    this.detach?.();
    this.detach = null;
    this.detachPrune?.();
    this.detachPrune = null;
    this.detachContext?.();
    this.detachContext = null;
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

  /** The outbox rows for these events, in their transaction; wakes the worker after commit. */
  async stage(tx: Kysely<Database>, events: readonly StoredEvent[]): Promise<(() => void) | void> {
    const rows: NewDelivery[] = [];
    const now = this.now();
    for (const event of events) {
      // Silenced when recorded (the silences marked it): kept, notifies nobody.
      if (event.silenced_by !== null && event.silenced_by !== undefined) continue;
      for (const trigger of this.matcher.match(event)) {
        // The due time is the state: a restart sends it then, with the lines it has.
        const wait = event.context_pending ? trigger.context_wait_seconds * 1000 : 0;
        rows.push({
          trigger_id: trigger.id,
          event,
          channel: trigger.channel.type,
          message_id: newMessageId(),
          group: isGrouped(trigger)
            ? {
                wait_ms: trigger.group_wait_seconds * 1000,
                interval_ms: trigger.group_interval_seconds * 1000,
              }
            : null,
          ...(wait > 0 ? { due_at: event.created_at + wait } : {}),
        });
      }
    }
    if (rows.length === 0) return;
    await this.deps.outbox.enqueue(rows, now, tx);
    return () => this.deps.worker.wake();
  }
}
