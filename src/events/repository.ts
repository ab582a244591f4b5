import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { SelectQueryBuilder } from 'kysely';
import {
  containsInsensitive,
  dialectOf,
  hostIn,
  insertBatches,
  trigramMatch,
} from '../store/index.js';
import type { Database, Dialect, EventLogTable } from '../store/index.js';
import { parseContext } from './context.js';
import {
  DEFAULT_PAGE,
  MAX_PAGE,
  severityRank,
  type EventContext,
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
  incident_id?: number;
  /** Milliseconds since the epoch, inclusive. */
  since?: number;
  /** Milliseconds since the epoch, exclusive. */
  until?: number;
  /** Case-insensitive substring of the message. */
  text?: string;
  /** Events of any of these hosts; null stands for this process's own engine. */
  hosts?: (string | null)[];
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
type EventQuery = SelectQueryBuilder<Database, 'event_log', Selectable<EventLogTable>>;

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
    incident_id: row.incident_id === null ? null : Number(row.incident_id),
    silenced_by: row.silenced_by === null ? null : Number(row.silenced_by),
    context: parseContext(row.context),
    host_id: row.host_id,
    msg_id: row.msg_id,
  };
}

export type EventRow = Omit<StoredEvent, 'id'>;

/** The lines after a hit, collected once the hit was stored: its whole context. */
export interface ContextUpdate {
  event_id: number;
  context: EventContext;
}

/**
 * A write that must commit with the deletion of these events (the trigger outbox
 * keeping a copy of the events its deliveries still need).
 */
export type PruneHook = (tx: Transaction<Database>, ids: readonly number[]) => Promise<void>;

/** Table access for event_log; nothing else. */
export class EventRepository {
  private readonly dialect: Dialect;

  constructor(private readonly db: Kysely<Database>) {
    this.dialect = dialectOf(db as Kysely<unknown>);
  }

  /**
   * Appends in order, in one multi-row INSERT (more only past the bound-values limit);
   * ids grow with the order given. A row whose msg_id is stored already, or came earlier
   * in `rows`, is not stored (a redelivered message): the answer holds only the rows
   * stored now, in the order given. Rows without a msg_id are always stored. Pass a
   * transaction to join one.
   */
  async append(rows: EventRow[], db: Db = this.db): Promise<StoredEvent[]> {
    const seen = new Set<string>();
    const fresh = rows.filter((row) => {
      if (row.msg_id === null) return true;
      if (seen.has(row.msg_id)) return false;
      seen.add(row.msg_id);
      return true;
    });
    const values = fresh.map(
      ({ context, context_pending: _inProcess, ...row }): Insertable<EventLogTable> => ({
        ...row,
        severity_rank: severityRank(row.severity),
        metadata: JSON.stringify(row.metadata),
        context: context === null ? null : JSON.stringify(context),
      }),
    );
    const out: StoredEvent[] = [];
    let offset = 0;
    for (const batch of insertBatches(values)) {
      const inserted = await db
        .insertInto('event_log')
        .values(batch)
        .onConflict((oc) => oc.column('msg_id').doNothing())
        .returning(['id', 'msg_id'])
        .execute();
      const taken = new Set(inserted.flatMap((r) => (r.msg_id === null ? [] : [r.msg_id])));
      const stored = fresh
        .slice(offset, offset + batch.length)
        .filter((row) => row.msg_id === null || taken.has(row.msg_id));
      offset += batch.length;
      // One statement takes its ids in the order of its rows (SQLite's rowids,
      // PostgreSQL's sequence; a skipped row only leaves a gap), but RETURNING promises
      // no order: sort them back.
      const ids = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
      if (ids.length !== stored.length)
        throw new Error(`event_log insert returned ${ids.length} ids for ${stored.length} rows`);
      stored.forEach((row, i) => out.push({ ...row, id: ids[i]! }));
    }
    return out;
  }

  /** Records the incident of these events (the incident tracker, in the append's transaction). */
  async linkIncident(incidentId: number, ids: readonly number[], db: Db = this.db): Promise<void> {
    for (let i = 0; i < ids.length; i += 500)
      await db
        .updateTable('event_log')
        .set({ incident_id: incidentId })
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
  }

  /** Writes the contexts of events already stored (one UPDATE each); gone events are skipped. */
  async setContexts(updates: readonly ContextUpdate[], db: Db = this.db): Promise<void> {
    for (const update of updates)
      await db
        .updateTable('event_log')
        .set({ context: JSON.stringify(update.context) })
        .where('id', '=', update.event_id)
        .execute();
  }

  /** The ids of stored events by their agent's message id (serve's consumer); absent ones are left out. */
  async idsByMsgId(msgIds: readonly string[], db: Db = this.db): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < msgIds.length; i += 500) {
      const rows = await db
        .selectFrom('event_log')
        .select(['id', 'msg_id'])
        .where('msg_id', 'in', msgIds.slice(i, i + 500))
        .execute();
      for (const row of rows) if (row.msg_id !== null) out.set(row.msg_id, Number(row.id));
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
    const match = filter.text && this.dialect === 'sqlite' ? trigramMatch(filter.text) : null;
    // With a text of three characters or more, SQLite walks the trigram index newest
    // first (CROSS JOIN keeps it the outer loop) and stops at the page's end; PostgreSQL's
    // trigram index serves the LIKE below as it is. The LIKE is the exact test either way.
    const idColumn = match ? 'event_log_fts.rowid' : 'event_log.id';
    let query = match
      ? (this.db
          .selectFrom('event_log_fts')
          .crossJoin('event_log')
          .selectAll('event_log')
          .where(sql<boolean>`event_log_fts match ${match}`)
          .where(
            sql.ref('event_log.id'),
            '=',
            sql.ref('event_log_fts.rowid'),
          ) as unknown as EventQuery)
      : this.db.selectFrom('event_log').selectAll();
    if (filter.sources?.length) query = query.where('source', 'in', filter.sources);
    if (filter.min_severity)
      query = query.where('severity_rank', '>=', severityRank(filter.min_severity));
    if (filter.workload_id) query = query.where('workload_id', '=', filter.workload_id);
    if (filter.container_id) query = query.where('container_id', '=', filter.container_id);
    if (filter.rule_id !== undefined) query = query.where('rule_id', '=', filter.rule_id);
    if (filter.incident_id !== undefined)
      query = query.where('incident_id', '=', filter.incident_id);
    if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
    if (filter.text) query = query.where(containsInsensitive('event_log.message', filter.text));
    if (filter.hosts?.length) query = query.where(hostIn(filter.hosts));
    if (page.before !== undefined) query = query.where(sql.ref(idColumn), '<', page.before);
    if (forward) query = query.where(sql.ref(idColumn), '>', page.after!);
    const rows = await query
      .orderBy(sql.ref(idColumn), forward ? 'asc' : 'desc')
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
   * Deletes up to `batch` events created before `cutoff`, oldest first; returns how
   * many. Found through the created_at index: nothing to delete costs one index probe.
   * `before` runs in the deleting transaction with the ids about to go.
   */
  async deleteOlderThan(cutoff: number, batch: number, before?: PruneHook): Promise<number> {
    const rows = await this.db
      .selectFrom('event_log')
      .select('id')
      .where('created_at', '<', cutoff)
      .orderBy('created_at')
      .orderBy('id')
      .limit(batch)
      .execute();
    return this.deleteIds(
      rows.map((r) => Number(r.id)),
      before,
    );
  }

  /**
   * The highest id beyond the newest `keep` events (everything up to it may go), or null
   * when there are no more than `keep`. Ids only grow, so when the span between the
   * lowest and the highest id is within `keep`, two index probes say so; otherwise the
   * primary key is walked back `keep` entries in steps of `step`, yielding between them.
   */
  async rowLimitBoundary(keep: number, step = 50_000): Promise<number | null> {
    // Two probes, not min() and max() in one query: SQLite reads either end of the key
    // for a lone min() or max() only, and scans the table for both (100 ms at 1 M rows).
    const end = (direction: 'asc' | 'desc') =>
      this.db
        .selectFrom('event_log')
        .select('id')
        .orderBy('id', direction)
        .limit(1)
        .executeTakeFirst();
    const first = await end('asc');
    const last = await end('desc');
    if (!first || !last) return null;
    const lowest = Number(first.id);
    let below = Number(last.id) + 1;
    if (below - lowest <= keep) return null;
    for (let left = keep; ;) {
      const skip = Math.min(left, step);
      const row = await this.db
        .selectFrom('event_log')
        .select('id')
        .where('id', '<', below)
        .orderBy('id', 'desc')
        .offset(skip)
        .limit(1)
        .executeTakeFirst();
      if (!row) return null;
      if (left === skip) return Number(row.id);
      // The row at offset `skip` is itself the next step's first one.
      below = Number(row.id) + 1;
      left -= skip;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Deletes up to `batch` of the oldest events with ids up to `boundary`; returns how
   * many. `before` runs in the deleting transaction with the ids about to go.
   */
  async deleteUpTo(boundary: number, batch: number, before?: PruneHook): Promise<number> {
    const rows = await this.db
      .selectFrom('event_log')
      .select('id')
      .where('id', '<=', boundary)
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
