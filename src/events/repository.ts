import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { containsInsensitive, insertBatches } from '../store/index.js';
import type { Database, EventLogTable } from '../store/index.js';
import {
  DEFAULT_PAGE,
  MAX_PAGE,
  severityRank,
  type EventSource,
  type Severity,
  type StoredEvent,
} from './model.js';

export interface EventFilter {
  sources?: EventSource[];
  /** This severity or worse. */
  min_severity?: Severity;
  workload_id?: string;
  container_id?: string;
  rule_id?: number;
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  /** Case-insensitive substring of the message. */
  text?: string;
}

/** Keyset pagination: `before` walks back from the newest; `after` walks forward. */
export interface EventPage {
  before?: number;
  after?: number;
  limit?: number;
}

export interface EventList {
  items: StoredEvent[];
  /** Pass as `before` (or `after`, when paging forward) for the next page; null at the end. */
  next: number | null;
}

type Db = Kysely<Database> | Transaction<Database>;

function toEvent(row: Selectable<EventLogTable>): StoredEvent {
  return {
    id: row.id,
    created_at: row.created_at,
    source: row.source as EventSource,
    severity: row.severity as Severity,
    message: row.message,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    workload_id: row.workload_id,
    container_id: row.container_id,
    rule_id: row.rule_id,
  };
}

export type EventRow = Omit<StoredEvent, 'id'>;

/**
 * A write that must commit with the deletion of these events (the trigger outbox
 * keeping a copy of the events its deliveries still need).
 */
export type PruneHook = (tx: Transaction<Database>, ids: readonly number[]) => Promise<void>;

/** Table access for event_log; nothing else. */
export class EventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Appends in order, in one multi-row INSERT (more only past the bound-values limit);
   * ids grow with the order given. Pass a transaction to join one.
   */
  async append(rows: EventRow[], db: Db = this.db): Promise<StoredEvent[]> {
    const values = rows.map((row): Insertable<EventLogTable> => ({
      ...row,
      severity_rank: severityRank(row.severity),
      metadata: JSON.stringify(row.metadata),
    }));
    const out: StoredEvent[] = [];
    for (const batch of insertBatches(values)) {
      const inserted = await db.insertInto('event_log').values(batch).returning('id').execute();
      // One statement takes its ids in the order of its rows (SQLite's rowids,
      // PostgreSQL's sequence), but RETURNING promises no order: sort them back.
      const ids = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
      if (ids.length !== batch.length)
        throw new Error(`event_log insert returned ${ids.length} ids for ${batch.length} rows`);
      for (const id of ids) out.push({ ...rows[out.length]!, id });
    }
    return out;
  }

  async get(id: number): Promise<StoredEvent | null> {
    const row = await this.db
      .selectFrom('event_log')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toEvent(row) : null;
  }

  async list(filter: EventFilter, page: EventPage = {}): Promise<EventList> {
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    const forward = page.after !== undefined;
    let query = this.db.selectFrom('event_log').selectAll();
    if (filter.sources?.length) query = query.where('source', 'in', filter.sources);
    if (filter.min_severity)
      query = query.where('severity_rank', '>=', severityRank(filter.min_severity));
    if (filter.workload_id) query = query.where('workload_id', '=', filter.workload_id);
    if (filter.container_id) query = query.where('container_id', '=', filter.container_id);
    if (filter.rule_id !== undefined) query = query.where('rule_id', '=', filter.rule_id);
    if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
    if (filter.text) query = query.where(containsInsensitive('message', filter.text));
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    if (forward) query = query.where('id', '>', page.after!);
    const rows = await query
      .orderBy('id', forward ? 'asc' : 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toEvent);
    const next = rows.length > limit ? items[items.length - 1]!.id : null;
    return { items, next };
  }

  async count(): Promise<number> {
    const { n } = await this.db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * Deletes up to `batch` events created before `cutoff`; returns how many. `before`
   * runs in the deleting transaction with the ids about to go.
   */
  async deleteOlderThan(cutoff: number, batch: number, before?: PruneHook): Promise<number> {
    const rows = await this.db
      .selectFrom('event_log')
      .select('id')
      .where('created_at', '<', cutoff)
      .orderBy('id')
      .limit(batch)
      .execute();
    return this.deleteIds(
      rows.map((r) => Number(r.id)),
      before,
    );
  }

  /**
   * Deletes up to `batch` of the oldest events beyond the newest `keep`; returns how
   * many. `before` runs in the deleting transaction with the ids about to go.
   */
  async deleteBeyond(keep: number, batch: number, before?: PruneHook): Promise<number> {
    const boundary = await this.db
      .selectFrom('event_log')
      .select('id')
      .orderBy('id', 'desc')
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (!boundary) return 0;
    const rows = await this.db
      .selectFrom('event_log')
      .select('id')
      .where('id', '<=', boundary.id)
      .orderBy('id')
      .limit(batch)
      .execute();
    return this.deleteIds(
      rows.map((r) => Number(r.id)),
      before,
    );
  }

  private async deleteIds(ids: number[], before?: PruneHook): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.transaction().execute(async (tx) => {
      if (before) await before(tx, ids);
      const result = await tx.deleteFrom('event_log').where('id', 'in', ids).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
