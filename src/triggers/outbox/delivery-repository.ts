import type { Insertable, Kysely, Selectable } from 'kysely';
import type { StoredEvent } from '../../events/model.js';
import type { Database, TriggerDeliveriesTable } from '../../store/index.js';
import {
  DEFAULT_DELIVERY_PAGE,
  MAX_DELIVERY_PAGE,
  type ChannelType,
  type Delivery,
  type DeliveryStatus,
  type NewDelivery,
} from '../model.js';

export interface DeliveryFilter {
  status?: DeliveryStatus;
  trigger_id?: number;
}

/** Newest first; `before` is the `next` of the previous page. */
export interface DeliveryPage {
  before?: number;
  limit?: number;
}

export interface DeliveryList {
  items: Delivery[];
  next: number | null;
}

/** What an attempt leaves on the row. */
export interface AttemptRecord {
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  latency_ms: number | null;
  sent_at: number | null;
}

function toDelivery(row: Selectable<TriggerDeliveriesTable>): Delivery {
  return {
    id: Number(row.id),
    trigger_id: Number(row.trigger_id),
    event_id: Number(row.event_id),
    channel: row.channel as ChannelType,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    next_attempt_at: Number(row.next_attempt_at),
    last_status_code: row.last_status_code === null ? null : Number(row.last_status_code),
    last_error: row.last_error,
    latency_ms: row.latency_ms === null ? null : Number(row.latency_ms),
    message_id: row.message_id,
    event: JSON.parse(row.event) as StoredEvent,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    sent_at: row.sent_at === null ? null : Number(row.sent_at),
  };
}

/** Table access for the outbox, `trigger_deliveries`. */
export class DeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes pending deliveries, due now; a (trigger, event) pair already there is skipped. */
  async enqueue(
    rows: readonly NewDelivery[],
    now: number,
    db: Kysely<Database> = this.db,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const values: Insertable<TriggerDeliveriesTable>[] = rows.map((r) => ({
      trigger_id: r.trigger_id,
      event_id: r.event.id,
      channel: r.channel,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      message_id: r.message_id,
      event: JSON.stringify(r.event),
      created_at: now,
      updated_at: now,
    }));
    const inserted = await db
      .insertInto('trigger_deliveries')
      .values(values)
      .onConflict((oc) => oc.columns(['trigger_id', 'event_id']).doNothing())
      .returning('id')
      .execute();
    return inserted.length;
  }

  /** Pending deliveries whose time has come, oldest first, leaving out those in flight. */
  async due(now: number, limit: number, inFlight: readonly number[]): Promise<Delivery[]> {
    let query = this.db
      .selectFrom('trigger_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now);
    if (inFlight.length > 0) query = query.where('id', 'not in', [...inFlight]);
    const rows = await query.orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
    return rows.map(toDelivery);
  }

  /** When the next pending delivery (not in `exclude`) is due, or null when none is. */
  async nextDueAt(exclude: readonly number[] = []): Promise<number | null> {
    let query = this.db
      .selectFrom('trigger_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', '=', 'pending');
    if (exclude.length > 0) query = query.where('id', 'not in', [...exclude]);
    const row = await query.executeTakeFirst();
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  async get(id: number): Promise<Delivery | null> {
    const row = await this.db
      .selectFrom('trigger_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  /** Stores an attempt's result; false when the row is gone or no longer pending. */
  async recordAttempt(id: number, record: AttemptRecord, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('trigger_deliveries')
      .set({
        status: record.status,
        attempts: record.attempts,
        next_attempt_at: record.next_attempt_at,
        last_status_code: record.last_status_code,
        last_error: record.last_error,
        latency_ms: record.latency_ms,
        sent_at: record.sent_at,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Puts a failed or dead delivery back in line with a fresh set of attempts. */
  async retry(id: number, now: number): Promise<Delivery | null> {
    const row = await this.db
      .updateTable('trigger_deliveries')
      .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['failed', 'dead'])
      .returningAll()
      .executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async list(filter: DeliveryFilter, page: DeliveryPage = {}): Promise<DeliveryList> {
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_DELIVERY_PAGE, 1), MAX_DELIVERY_PAGE);
    let query = this.db.selectFrom('trigger_deliveries').selectAll();
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.trigger_id !== undefined) query = query.where('trigger_id', '=', filter.trigger_id);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toDelivery);
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  /** Deletes up to `batch` finished deliveries last touched before `cutoff`. */
  async deleteFinishedBefore(cutoff: number, batch: number): Promise<number> {
    const result = await this.db
      .deleteFrom('trigger_deliveries')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('trigger_deliveries')
          .select('id')
          .where('status', '!=', 'pending')
          .where('updated_at', '<', cutoff)
          .orderBy('id')
          .limit(batch),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
