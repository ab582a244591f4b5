import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { parseContext } from '../../events/context.js';
import type { EventSource, Severity, StoredEvent } from '../../events/model.js';
import type { Database, EventLogTable, TriggerDeliveriesTable } from '../../store/index.js';
import { dialectOf, insertBatches } from '../../store/index.js';
import {
  DEFAULT_DELIVERY_PAGE,
  MAX_DELIVERY_PAGE,
  type ChannelType,
  type Delivery,
  type DeliveryIncident,
  type DeliveryStatus,
  type DeliveryTransition,
  type DueDelivery,
  type NewDelivery,
} from '../model.js';

/**
 * What `trigger_deliveries.event` holds since deliveries refer to their event row
 * instead of copying it: JSON null. Rows written before that hold the event itself.
 */
const EVENT_IN_LOG = 'null';

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
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    sent_at: row.sent_at === null ? null : Number(row.sent_at),
    transition: row.transition as DeliveryTransition,
    incident_id: row.incident_id === null ? null : Number(row.incident_id),
  };
}

/** The incident's columns as a due delivery reads them, prefixed `i_`. */
const INCIDENT_COLUMNS = [
  'i.id as i_id',
  'i.key as i_key',
  'i.state as i_state',
  'i.count as i_count',
  'i.first_seen as i_first_seen',
  'i.last_seen as i_last_seen',
  'i.resolved_at as i_resolved_at',
  'i.resolve_reason as i_resolve_reason',
  'i.last_message as i_last_message',
] as const;

interface JoinedIncident {
  i_id: number | null;
  i_key: string | null;
  i_state: string | null;
  i_count: number | null;
  i_first_seen: number | null;
  i_last_seen: number | null;
  i_resolved_at: number | null;
  i_resolve_reason: string | null;
  i_last_message: string | null;
}

function joinedIncident(row: JoinedIncident): DeliveryIncident | null {
  if (row.i_id === null) return null;
  return {
    id: Number(row.i_id),
    key: row.i_key!,
    state: row.i_state as DeliveryIncident['state'],
    count: Number(row.i_count),
    first_seen: Number(row.i_first_seen),
    last_seen: Number(row.i_last_seen),
    resolved_at: row.i_resolved_at === null ? null : Number(row.i_resolved_at),
    resolve_reason: row.i_resolve_reason,
    last_message: row.i_last_message!,
  };
}

/** The event log's columns as a due delivery reads them, prefixed `e_`. */
const EVENT_COLUMNS = [
  'e.id as e_id',
  'e.created_at as e_created_at',
  'e.source as e_source',
  'e.severity as e_severity',
  'e.message as e_message',
  'e.metadata as e_metadata',
  'e.workload_id as e_workload_id',
  'e.container_id as e_container_id',
  'e.rule_id as e_rule_id',
  'e.incident_id as e_incident_id',
  'e.silenced_by as e_silenced_by',
  'e.context as e_context',
  'e.host_id as e_host_id',
  'e.msg_id as e_msg_id',
] as const;

type JoinedEvent = {
  [K in keyof Omit<Selectable<EventLogTable>, 'severity_rank'> as `e_${K}`]:
    Selectable<EventLogTable>[K] | null;
};

/** The event from the log; else the copy an older row kept; else null (pruned). */
function joinedEvent(row: JoinedEvent & { event: string }): StoredEvent | null {
  if (row.e_id !== null)
    return {
      id: Number(row.e_id),
      created_at: Number(row.e_created_at),
      source: row.e_source as EventSource,
      severity: row.e_severity as Severity,
      message: row.e_message!,
      metadata: JSON.parse(row.e_metadata!) as Record<string, unknown>,
      workload_id: row.e_workload_id,
      container_id: row.e_container_id,
      rule_id: row.e_rule_id === null ? null : Number(row.e_rule_id),
      incident_id: row.e_incident_id === null ? null : Number(row.e_incident_id),
      silenced_by: row.e_silenced_by === null ? null : Number(row.e_silenced_by),
      context: parseContext(row.e_context),
      host_id: row.e_host_id,
      msg_id: row.e_msg_id,
    };
  const kept = JSON.parse(row.event) as StoredEvent | null;
  // A copy kept before 0021-0023 has no incident_id, silenced_by or context; before 0026 no host.
  return kept === null
    ? null
    : {
        ...kept,
        incident_id: kept.incident_id ?? null,
        silenced_by: kept.silenced_by ?? null,
        context: kept.context ?? null,
        host_id: kept.host_id ?? null,
        msg_id: kept.msg_id ?? null,
      };
}

/**
 * Several replicas share one outbox (many hosts): each claims what it sends for a while.
 * `ms` must outlast the longest send (a channel's timeout): the worker renews the leases
 * of what it has in flight, and a lease that runs out means its sender stopped.
 */
export interface DeliveryLease {
  /** This replica, as the delivery log names it. */
  owner: string;
  ms: number;
}

/** A row no live replica is sending: never claimed, or its claim ran out. */
function unleased(now: number) {
  return (eb: ExpressionBuilder<{ d: TriggerDeliveriesTable }, 'd'>) =>
    eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]);
}

/** How a delivery log's last_error begins when an attempt's outcome was lost. */
export const UNCERTAIN = 'uncertain:';

/**
 * What a delivery log says of a claim that ran out before its outcome was recorded: the
 * request may or may not have reached the receiver.
 */
export function uncertainAttempt(owner: string, claimedUntil: number): string {
  return `${UNCERTAIN} ${owner} was sending it and stopped before recording the outcome (claim ran out ${new Date(claimedUntil).toISOString()}); sent again under the same webhook-id`;
}

/** Table access for the outbox, `trigger_deliveries`. */
export class DeliveryRepository {
  private readonly lockRows: boolean;

  /** Without a lease: one process sends (single-host mode), nothing is claimed. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly lease: DeliveryLease | null = null,
  ) {
    this.lockRows = dialectOf(db as Kysely<unknown>) === 'postgres';
  }

  /**
   * Writes pending deliveries, due now; one already there is skipped: the same
   * (trigger, event, transition, sequence), or the same (trigger, incident, transition,
   * sequence) — an incident notice is staged once however many stage it.
   */
  async enqueue(
    rows: readonly NewDelivery[],
    now: number,
    db: Kysely<Database> = this.db,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    // A grouped trigger's deliveries are due when its batch goes (one query per trigger).
    const dueAt = new Map<number, number>();
    for (const r of rows)
      if (r.group && !dueAt.has(r.trigger_id))
        dueAt.set(r.trigger_id, await this.groupDueAt(r.trigger_id, r.group, now, db));
    const values: Insertable<TriggerDeliveriesTable>[] = rows.map((r) => ({
      trigger_id: r.trigger_id,
      event_id: r.event.id,
      channel: r.channel,
      status: 'pending',
      attempts: 0,
      // Grouped: with its batch, yet no sooner than its own due time (the lines after a hit).
      next_attempt_at: Math.max(dueAt.get(r.trigger_id) ?? now, r.due_at ?? now),
      message_id: r.message_id,
      // The event row holds it: one copy however many triggers match.
      event: EVENT_IN_LOG,
      transition: r.transition ?? 'event',
      incident_id: r.incident_id ?? null,
      sequence: r.sequence ?? 0,
      created_at: now,
      updated_at: now,
    }));
    let count = 0;
    // Events × matching triggers can pass what one statement may bind.
    for (const batch of insertBatches(values)) {
      const inserted = await db
        .insertInto('trigger_deliveries')
        .values(batch)
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      count += inserted.length;
    }
    return count;
  }

  /**
   * When a new delivery of a grouped trigger is due: with the batch it is collecting
   * (pending rows not yet tried), else group_interval after its last batch went, else
   * group_wait from now (the first of a new batch).
   */
  private async groupDueAt(
    triggerId: number,
    group: { wait_ms: number; interval_ms: number },
    now: number,
    db: Kysely<Database>,
  ): Promise<number> {
    const collecting = await db
      .selectFrom('trigger_deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('trigger_id', '=', triggerId)
      .where('status', '=', 'pending')
      .where('attempts', '=', 0)
      .executeTakeFirst();
    if (collecting?.at !== null && collecting?.at !== undefined) return Number(collecting.at);
    const state = await db
      .selectFrom('trigger_group_state')
      .select('flushed_at')
      .where('trigger_id', '=', triggerId)
      .executeTakeFirst();
    const next = state ? Number(state.flushed_at) + group.interval_ms : 0;
    return Math.max(next, now + group.wait_ms);
  }

  /**
   * Stores the attempt of a grouped send on every delivery it carried, notes when the
   * trigger's batch went, and moves what is still collecting (it arrived during the send,
   * or did not fit) to the next batch: group_interval later (group_wait without one).
   */
  async recordBatch(
    ids: readonly number[],
    record: AttemptRecord,
    now: number,
    triggerId: number,
    nextBatchAfterMs: number,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.transaction().execute(async (tx) => {
      let updated = 0;
      for (let i = 0; i < ids.length; i += 500) {
        const result = await tx
          .updateTable('trigger_deliveries')
          .set(attemptColumns(record, now))
          .where('id', 'in', ids.slice(i, i + 500))
          .where('status', '=', 'pending')
          .where(this.heldHere())
          .executeTakeFirst();
        updated += Number(result.numUpdatedRows);
      }
      await tx
        .insertInto('trigger_group_state')
        .values({ trigger_id: triggerId, flushed_at: now })
        .onConflict((oc) => oc.column('trigger_id').doUpdateSet({ flushed_at: now }))
        .execute();
      await tx
        .updateTable('trigger_deliveries')
        .set({ next_attempt_at: now + nextBatchAfterMs })
        .where('trigger_id', '=', triggerId)
        .where('status', '=', 'pending')
        .where('attempts', '=', 0)
        .where('next_attempt_at', '<', now + nextBatchAfterMs)
        .execute();
      return updated;
    });
  }

  /**
   * The lines after these events are stored: their deliveries that wait for them (never
   * tried yet, due later) are due now. Returns how many.
   */
  async release(
    eventIds: readonly number[],
    now: number,
    db: Kysely<Database> = this.db,
  ): Promise<number> {
    if (eventIds.length === 0) return 0;
    const result = await db
      .updateTable('trigger_deliveries')
      .set({ next_attempt_at: now })
      .where('event_id', 'in', [...eventIds])
      .where('status', '=', 'pending')
      .where('attempts', '=', 0)
      .where('next_attempt_at', '>', now)
      // A grouped trigger's delivery goes with its batch, not before it.
      .where('trigger_id', 'in', (eb) =>
        eb
          .selectFrom('event_triggers')
          .select('id')
          .where('group_wait_seconds', '=', 0)
          .where('group_interval_seconds', '=', 0),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Pending deliveries whose time has come, oldest first, leaving out those in flight,
   * each with its event; only `triggerId`'s when given.
   */
  async due(
    now: number,
    limit: number,
    inFlight: readonly number[],
    triggerId?: number,
  ): Promise<DueDelivery[]> {
    if (!this.lease) return this.read(this.db, now, limit, inFlight, triggerId);
    const lease = this.lease;
    return this.db.transaction().execute(async (tx) => {
      let claim = tx
        .selectFrom('trigger_deliveries as d')
        .select(['d.id', 'd.attempts', 'd.lease_owner', 'd.lease_until'])
        .where('d.status', '=', 'pending')
        .where('d.next_attempt_at', '<=', now)
        // Its own claims too: a grouped send claims its batch, leader included, after the
        // worker claimed the leader.
        .where((eb) => eb.or([unleased(now)(eb), eb('d.lease_owner', '=', lease.owner)]));
      if (triggerId !== undefined) claim = claim.where('d.trigger_id', '=', triggerId);
      if (inFlight.length > 0) claim = claim.where('d.id', 'not in', [...inFlight]);
      claim = claim.orderBy('d.next_attempt_at').orderBy('d.id').limit(limit);
      // Another replica's claim in progress is skipped, not waited for.
      if (this.lockRows) claim = claim.forUpdate().skipLocked();
      const rows = await claim.execute();
      if (rows.length === 0) return [];
      for (const lost of rows.filter(
        (r) => r.lease_owner !== null && r.lease_owner !== lease.owner,
      ))
        await tx
          .updateTable('trigger_deliveries')
          .set({
            attempts: Number(lost.attempts) + 1,
            last_error: uncertainAttempt(lost.lease_owner!, Number(lost.lease_until)),
            last_status_code: null,
            updated_at: now,
          })
          .where('id', '=', lost.id)
          .execute();
      const ids = rows.map((r) => Number(r.id));
      await tx
        .updateTable('trigger_deliveries')
        .set({ lease_owner: lease.owner, lease_until: now + lease.ms })
        .where('id', 'in', ids)
        .execute();
      return this.read(tx, now, limit, [], undefined, ids);
    });
  }

  /**
   * Rows whose outcome this replica may record: all of them with one sender; with
   * replicas, those it still holds. A claim that ran out and was taken over (this replica
   * stalled past its lease) is the new holder's to record, and stays marked uncertain.
   */
  private heldHere() {
    const owner = this.lease?.owner ?? null;
    return (eb: ExpressionBuilder<Database, 'trigger_deliveries'>) =>
      owner === null
        ? eb('id', 'is not', null)
        : eb.or([eb('lease_owner', '=', owner), eb('lease_owner', 'is', null)]);
  }

  /** Keeps this replica's claim on what it is still sending. */
  async renewLeases(ids: readonly number[], now: number): Promise<void> {
    if (!this.lease || ids.length === 0) return;
    await this.db
      .updateTable('trigger_deliveries')
      .set({ lease_until: now + this.lease.ms })
      .where('id', 'in', [...ids])
      .where('lease_owner', '=', this.lease.owner)
      .where('status', '=', 'pending')
      .execute();
  }

  private async read(
    db: Kysely<Database>,
    now: number,
    limit: number,
    inFlight: readonly number[],
    triggerId?: number,
    ids?: readonly number[],
  ): Promise<DueDelivery[]> {
    let query = db
      .selectFrom('trigger_deliveries as d')
      .leftJoin('event_log as e', 'e.id', 'd.event_id')
      // The delivery's incident, or its event's (a per-event delivery of an incident).
      .leftJoin('incidents as i', (join) =>
        join.on(sql<boolean>`i.id = coalesce(d.incident_id, e.incident_id)`),
      )
      .selectAll('d')
      .select(EVENT_COLUMNS)
      .select(INCIDENT_COLUMNS)
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now);
    if (ids) query = query.where('d.id', 'in', [...ids]);
    if (triggerId !== undefined) query = query.where('d.trigger_id', '=', triggerId);
    if (inFlight.length > 0) query = query.where('d.id', 'not in', [...inFlight]);
    const rows = await query.orderBy('d.next_attempt_at').orderBy('d.id').limit(limit).execute();
    return rows.map((row) => ({
      ...toDelivery(row),
      event: joinedEvent(row),
      incident: joinedIncident(row),
    }));
  }

  /** The triggers with deliveries due (not in flight), each with its oldest due time. */
  async dueTriggers(
    now: number,
    inFlight: readonly number[],
  ): Promise<{ trigger_id: number; due_at: number }[]> {
    let query = this.db
      .selectFrom('trigger_deliveries as d')
      .select(['d.trigger_id', (eb) => eb.fn.min('d.next_attempt_at').as('due_at')])
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where(unleased(now));
    if (inFlight.length > 0) query = query.where('d.id', 'not in', [...inFlight]);
    const rows = await query.groupBy('d.trigger_id').execute();
    return rows.map((r) => ({ trigger_id: Number(r.trigger_id), due_at: Number(r.due_at) }));
  }

  /**
   * Before events are pruned: the deliveries that refer to them get a copy of their
   * event, so a retry after the pruning still sends the event as recorded. Only
   * deliveries of pruned events pay for a copy each.
   */
  async keepEvents(ids: readonly number[], db: Kysely<Database> = this.db): Promise<void> {
    if (ids.length === 0) return;
    const rows = await db
      .selectFrom('trigger_deliveries as d')
      .innerJoin('event_log as e', 'e.id', 'd.event_id')
      .select(['d.event', ...EVENT_COLUMNS])
      .distinct()
      .where('d.event_id', 'in', [...ids])
      .where('d.event', '=', EVENT_IN_LOG)
      .execute();
    for (const row of rows) {
      const event = joinedEvent(row)!;
      await db
        .updateTable('trigger_deliveries')
        .set({ event: JSON.stringify(event) })
        .where('event_id', '=', event.id)
        .where('event', '=', EVENT_IN_LOG)
        .execute();
    }
  }

  /**
   * When the next pending delivery is due, or null when none is, leaving out those in
   * `exclude` and those of `excludeTriggers`.
   */
  async nextDueAt(
    exclude: readonly number[] = [],
    excludeTriggers: readonly number[] = [],
  ): Promise<number | null> {
    // A row another replica is sending is due again, at the earliest, when its claim ends.
    let query = this.db
      .selectFrom('trigger_deliveries')
      .select(
        sql<
          number | null
        >`min(case when lease_until > next_attempt_at then lease_until else next_attempt_at end)`.as(
          'at',
        ),
      )
      .where('status', '=', 'pending');
    if (exclude.length > 0) query = query.where('id', 'not in', [...exclude]);
    if (excludeTriggers.length > 0)
      query = query.where('trigger_id', 'not in', [...excludeTriggers]);
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
      .set(attemptColumns(record, now))
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where(this.heldHere())
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

  /**
   * Deletes up to `batch` finished deliveries last touched before `cutoff`, found through
   * the updated_at index (nothing to delete costs an index probe, not a scan).
   */
  async deleteFinishedBefore(cutoff: number, batch: number): Promise<number> {
    const result = await this.db
      .deleteFrom('trigger_deliveries')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('trigger_deliveries')
          .select('id')
          .where('updated_at', '<', cutoff)
          .where('status', '!=', 'pending')
          .orderBy('updated_at')
          .orderBy('id')
          .limit(batch),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/** The columns an attempt's result writes on its delivery rows (named: no stray keys). */
function attemptColumns(record: AttemptRecord, now: number) {
  return {
    status: record.status,
    attempts: record.attempts,
    next_attempt_at: record.next_attempt_at,
    last_status_code: record.last_status_code,
    last_error: record.last_error,
    latency_ms: record.latency_ms,
    sent_at: record.sent_at,
    updated_at: now,
    // The outcome is known: the claim ends with it.
    lease_owner: null,
    lease_until: null,
  };
}
