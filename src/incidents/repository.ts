import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { EventSource, Severity } from '../events/model.js';
import { dialectOf, type Database, type IncidentsTable } from '../store/index.js';
import {
  DEFAULT_INCIDENT_PAGE,
  MAX_INCIDENT_PAGE,
  type Incident,
  type IncidentState,
  type ResolveReason,
} from './model.js';

export interface IncidentFilter {
  state?: IncidentState;
  rule_id?: number;
  container_id?: string;
  workload_id?: string;
  /** Last seen at or after (ms). */
  since?: number;
  /** First seen before (ms). */
  until?: number;
}

/** Newest first; `before` is the `next` of the previous page. */
export interface IncidentPage {
  before?: number;
  limit?: number;
}

export interface IncidentList {
  items: Incident[];
  next: number | null;
}

export type NewIncident = Omit<Incident, 'id'>;

/** What joining events changes on an open incident. */
export type IncidentGrowth = Pick<
  Incident,
  'count' | 'last_seen' | 'last_event_id' | 'last_message' | 'severity' | 'quiet_at'
>;

export function toIncident(row: Selectable<IncidentsTable>): Incident {
  return {
    id: Number(row.id),
    key: row.key,
    state: row.state as IncidentState,
    source: row.source as EventSource,
    severity: row.severity as Severity,
    rule_id: row.rule_id === null ? null : Number(row.rule_id),
    container_id: row.container_id,
    workload_id: row.workload_id,
    host_id: row.host_id,
    count: Number(row.count),
    first_seen: Number(row.first_seen),
    last_seen: Number(row.last_seen),
    first_event_id: Number(row.first_event_id),
    last_event_id: Number(row.last_event_id),
    last_message: row.last_message,
    resolve_after_seconds: Number(row.resolve_after_seconds),
    quiet_at: Number(row.quiet_at),
    resolved_at: row.resolved_at === null ? null : Number(row.resolved_at),
    resolve_reason: row.resolve_reason as ResolveReason | null,
    resolved_by_event_id:
      row.resolved_by_event_id === null ? null : Number(row.resolved_by_event_id),
  };
}

/** Table access for `incidents`. Writes take the transaction they belong to. */
export class IncidentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The open incidents with these keys, by key. */
  async openByKeys(keys: readonly string[], db: Kysely<Database>): Promise<Map<string, Incident>> {
    const out = new Map<string, Incident>();
    if (keys.length === 0) return out;
    // PostgreSQL: lock them for the append's transaction, so the sweep cannot resolve one
    // between this read and the append's growing it (its resolve waits, then sees the
    // incident no longer quiet). SQLite runs one transaction at a time.
    const lock = dialectOf(db as Kysely<unknown>) === 'postgres';
    // Few distinct keys per append; chunk anyway so a huge batch binds within limits.
    for (let i = 0; i < keys.length; i += 500) {
      let query = db
        .selectFrom('incidents')
        .selectAll()
        // A literal, not a parameter: SQLite proves the partial index incidents_open_key
        // from it once, where a bound 'open' makes it re-plan the statement every call.
        .where('state', '=', sql.lit('open'))
        .where('key', 'in', keys.slice(i, i + 500))
        .orderBy('id');
      if (lock) query = query.forUpdate();
      const rows = await query.execute();
      for (const row of rows) out.set(row.key, toIncident(row));
    }
    return out;
  }

  /**
   * Opens an incident; null when another append opened one with its key meanwhile (it
   * waited for that append to commit): read that one and join it instead.
   */
  async insert(incident: NewIncident, db: Kysely<Database>): Promise<Incident | null> {
    let query = db.insertInto('incidents').values(incident as Insertable<IncidentsTable>);
    // SQLite runs one transaction at a time: no other append can have opened it.
    if (dialectOf(db as Kysely<unknown>) === 'postgres')
      query = query.onConflict((oc) =>
        oc.column('key').where(sql.ref('state'), '=', 'open').doNothing(),
      );
    const row = await query.returningAll().executeTakeFirst();
    return row ? toIncident(row) : null;
  }

  async grow(id: number, growth: IncidentGrowth, db: Kysely<Database>): Promise<void> {
    await db.updateTable('incidents').set(growth).where('id', '=', id).execute();
  }

  /** Moves an open incident's quiet time later (its fault was seen outside the event log). */
  async postpone(id: number, quietAt: number): Promise<void> {
    await this.db
      .updateTable('incidents')
      .set({ quiet_at: quietAt })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .where('quiet_at', '<', quietAt)
      .execute();
  }

  /**
   * Resolves an open incident; with `quietBy`, only if it is still quiet then (an event
   * that joined meanwhile keeps it open). Null when it was not resolved.
   */
  async resolve(
    id: number,
    how: { at: number; reason: ResolveReason; by_event_id: number | null; quietBy?: number },
    db: Kysely<Database>,
  ): Promise<Incident | null> {
    let query = db
      .updateTable('incidents')
      .set({
        state: 'resolved',
        resolved_at: how.at,
        resolve_reason: how.reason,
        resolved_by_event_id: how.by_event_id,
      })
      .where('id', '=', id)
      .where('state', '=', 'open');
    if (how.quietBy !== undefined) query = query.where('quiet_at', '<=', how.quietBy);
    const row = await query.returningAll().executeTakeFirst();
    return row ? toIncident(row) : null;
  }

  /** Open incidents whose quiet period is over at `now`, the longest quiet first. */
  async quietBy(now: number, limit: number, db: Kysely<Database> = this.db): Promise<Incident[]> {
    const rows = await db
      .selectFrom('incidents')
      .selectAll()
      .where('state', '=', 'open')
      .where('quiet_at', '<=', now)
      .orderBy('quiet_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toIncident);
  }

  /** Open incidents whose first event a silence silenced: they have not notified yet. */
  async openSilencedBy(silenceId: number, db: Kysely<Database> = this.db): Promise<Incident[]> {
    // Through the first events' primary key: event_log has no index on silenced_by.
    const rows = await db
      .selectFrom('incidents')
      .innerJoin('event_log', 'event_log.id', 'incidents.first_event_id')
      .selectAll('incidents')
      .where('incidents.state', '=', 'open')
      .where('event_log.silenced_by', '=', silenceId)
      .orderBy('incidents.id')
      .execute();
    return rows.map(toIncident);
  }

  /** Open incidents, oldest first (reminders). */
  async open(limit: number, db: Kysely<Database> = this.db): Promise<Incident[]> {
    const rows = await db
      .selectFrom('incidents')
      .selectAll()
      .where('state', '=', 'open')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toIncident);
  }

  /**
   * Of these incidents, those whose latest event a silence matched (it notified nobody)
   * while that silence's end is not handled yet: their reminders and resolution notify
   * nobody either. Once the end is handled, the incidents it held back have been told
   * they opened, and notify as any other.
   */
  async silencedLast(incidents: readonly Incident[], db: Kysely<Database>): Promise<Set<number>> {
    const out = new Set<number>();
    const ids = incidents.map((i) => i.last_event_id);
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db
        .selectFrom('event_log')
        .leftJoin('silences', 'silences.id', 'event_log.silenced_by')
        .select(['event_log.id', 'event_log.incident_id'])
        .where('event_log.id', 'in', ids.slice(i, i + 500))
        .where('event_log.silenced_by', 'is not', null)
        .where('silences.released_at', 'is', null)
        .execute();
      for (const row of rows) if (row.incident_id !== null) out.add(Number(row.incident_id));
    }
    return out;
  }

  async get(id: number): Promise<Incident | null> {
    const row = await this.db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toIncident(row) : null;
  }

  async list(filter: IncidentFilter, page: IncidentPage = {}): Promise<IncidentList> {
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_INCIDENT_PAGE, 1), MAX_INCIDENT_PAGE);
    let query = this.db.selectFrom('incidents').selectAll();
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.rule_id !== undefined) query = query.where('rule_id', '=', filter.rule_id);
    if (filter.container_id) query = query.where('container_id', '=', filter.container_id);
    if (filter.workload_id) query = query.where('workload_id', '=', filter.workload_id);
    if (filter.since !== undefined) query = query.where('last_seen', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('first_seen', '<', filter.until);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toIncident);
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }
}
