import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../errors.js';
import type { Database } from '../store/index.js';
import type { EventBus } from './bus.js';
import { storableText, truncateMessage } from './message.js';
import { capContext } from './context.js';
import { capMetadata } from './metadata.js';
import { isSeverity, type EventSource, type NewEvent, type StoredEvent } from './model.js';
import type {
  ContextUpdate,
  EventFilter,
  EventList,
  EventPage,
  EventRepository,
  EventRow,
  PruneHook,
} from './repository.js';

const SOURCES: readonly EventSource[] = ['docker', 'logscan', 'system'];

/**
 * A write that must commit with the events or not at all (the trigger outbox). What it
 * returns runs once the events are durable.
 */
export type AppendHook = (
  tx: Transaction<Database>,
  events: readonly StoredEvent[],
) => Promise<(() => void) | void>;

/**
 * A write that must commit with the lines after hits (the trigger outbox releasing the
 * deliveries that waited for them). What it returns runs once they are durable.
 */
export type ContextHook = (
  tx: Transaction<Database>,
  eventIds: readonly number[],
) => Promise<(() => void) | void>;

/**
 * An event recorded one at a time: without a message id it can never be a repeat and
 * is always stored. Events that may repeat (an agent's, redelivered) go through
 * recordBatch, which says which were new.
 */
export type LocalEvent = Omit<NewEvent, 'msg_id'>;

/** What producers need: the scanner, the inventory, the system. */
export interface EventSink {
  record(event: LocalEvent): Promise<StoredEvent>;
}

function toRow(event: NewEvent, now: number): EventRow {
  if (!isSeverity(event.severity))
    throw AppError.validation('severity', `unknown severity ${String(event.severity)}`);
  if (!SOURCES.includes(event.source))
    throw AppError.validation('source', `unknown source ${String(event.source)}`);
  return {
    created_at: event.created_at ?? now,
    source: event.source,
    severity: event.severity,
    message: storableText(truncateMessage(event.message)),
    metadata: capMetadata(event.metadata ?? {}),
    workload_id: event.workload_id ?? null,
    container_id: event.container_id ?? null,
    rule_id: event.rule_id ?? null,
    incident_id: null,
    silenced_by: null,
    context: event.context ? capContext(event.context) : null,
    host_id: event.host_id ?? null,
    msg_id: event.msg_id ?? null,
    ...(event.context && event.context_pending ? { context_pending: true } : {}),
  };
}

/**
 * Marks events before they are appended (the silences set `silenced_by`): it sees the
 * rows as they will be stored and may only fill in their marks.
 */
export type MarkHook = (rows: EventRow[]) => Promise<void> | void;

/**
 * The event log: `record` appends, then publishes on the bus, so a subscriber never
 * sees an event the database does not hold. Only producers record; the trigger
 * dispatcher never does, so a trigger cannot feed itself.
 */
export class EventLog implements EventSink {
  private readonly hooks = new Set<AppendHook>();
  private readonly pruneHooks = new Set<PruneHook>();
  private readonly markHooks = new Set<MarkHook>();
  private readonly contextHooks = new Set<ContextHook>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly repo: EventRepository,
    private readonly bus: EventBus,
    private readonly now: () => number = Date.now,
  ) {}

  async record(event: LocalEvent): Promise<StoredEvent> {
    const [stored] = await this.recordBatch([{ ...event, msg_id: null }]);
    return stored!;
  }

  /** Adds a write to every append's transaction; returns the function that removes it. */
  withinAppend(hook: AppendHook): () => void {
    this.hooks.add(hook);
    return () => {
      this.hooks.delete(hook);
    };
  }

  /** Adds a mark to every event before it is appended; returns the function that removes it. */
  markBeforeAppend(hook: MarkHook): () => void {
    this.markHooks.add(hook);
    return () => {
      this.markHooks.delete(hook);
    };
  }

  /** Adds a write to every transaction that completes contexts; returns the function that removes it. */
  withinContext(hook: ContextHook): () => void {
    this.contextHooks.add(hook);
    return () => {
      this.contextHooks.delete(hook);
    };
  }

  /** Adds a write to every pruning transaction; returns the function that removes it. */
  withinPrune(hook: PruneHook): () => void {
    this.pruneHooks.add(hook);
    return () => {
      this.pruneHooks.delete(hook);
    };
  }

  /** What retention runs in each deleting transaction: every prune hook. */
  readonly beforePrune: PruneHook = async (tx, ids) => {
    for (const hook of this.pruneHooks) await hook(tx, ids);
  };

  /**
   * Appends events in one transaction, together with whatever `alongside` writes (the
   * scanner's resume cursors), the contexts completed of events stored before (with
   * the context hooks' writes) and the append hooks write (the trigger outbox), then
   * publishes them.
   *
   * Answers the events stored now, in the order given. An event whose msg_id is stored
   * already (or repeats one earlier in `events`) is left out of the answer, of the hooks
   * and of the bus: a redelivered message notifies nobody twice. Callers map what was
   * stored back by msg_id; events without one are all stored, so for them the answer
   * lines up with `events`.
   */
  async recordBatch(
    events: NewEvent[],
    alongside?: (tx: Transaction<Database>) => Promise<void>,
    contexts: readonly ContextUpdate[] = [],
  ): Promise<StoredEvent[]> {
    const now = this.now();
    const rows = events.map((e) => toRow(e, now));
    for (const mark of this.markHooks) await mark(rows);
    const afterCommit: (() => void)[] = [];
    const stored = await this.db.transaction().execute(async (tx) => {
      const out = await this.repo.append(rows, tx);
      if (alongside) await alongside(tx);
      if (contexts.length > 0) {
        await this.repo.setContexts(
          contexts.map((c) => ({ event_id: c.event_id, context: capContext(c.context) })),
          tx,
        );
        const ids = contexts.map((c) => c.event_id);
        for (const hook of this.contextHooks) {
          const then = await hook(tx, ids);
          if (then) afterCommit.push(then);
        }
      }
      for (const hook of this.hooks) {
        const then = await hook(tx, out);
        if (then) afterCommit.push(then);
      }
      return out;
    });
    for (const then of afterCommit) then();
    for (const event of stored) this.bus.publish(event);
    return stored;
  }

  async get(id: number): Promise<StoredEvent> {
    const event = await this.repo.get(id);
    if (!event) throw AppError.notFound('event', id);
    return event;
  }

  list(filter: EventFilter, page: EventPage): Promise<EventList> {
    return this.repo.list(filter, page);
  }
}
