import type { Kysely, Transaction } from 'kysely';
import type { NewEvent } from '../events/index.js';
import type { Database } from '../store/index.js';

export interface OutboxEntry {
  id: number;
  event: NewEvent;
}

/**
 * The agent's events not yet acknowledged by JetStream (lifecycle, condition fires,
 * system), in the order recorded. A row's id names its message, so it must never be
 * reused: SQLite's AUTOINCREMENT keeps ids of deleted rows from coming back.
 */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(event: NewEvent, at: number, tx?: Transaction<Database>): Promise<number> {
    const row = await (tx ?? this.db)
      .insertInto('agent_outbox')
      .values({ event: JSON.stringify(event), created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async oldest(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('agent_outbox')
      .select(['id', 'event'])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), event: JSON.parse(r.event) as NewEvent }));
  }

  async remove(id: number): Promise<void> {
    await this.db.deleteFrom('agent_outbox').where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('agent_outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/**
 * The EventRecorder an agent hands its inventory (and its batch writer, for condition
 * fires): record() writes to the outbox, in the caller's transaction when given one, so
 * an event is kept exactly when the state that produced it is; the drainer publishes.
 */
export class OutboxEventRecorder {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly now: () => number = Date.now,
  ) {}

  async record(event: NewEvent, tx?: Transaction<Database>): Promise<{ id: number }> {
    const at = this.now();
    // Stamped now: published after an outage, the event still says when it happened.
    const id = await this.outbox.add({ ...event, created_at: event.created_at ?? at }, at, tx);
    if (!tx) this.recorded();
    return { id };
  }

  /** Call after the caller's transaction committed: the drainer looks at once. */
  recorded(): void {
    for (const listener of this.listeners) listener();
  }

  onRecorded(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
