import {
  sql,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type Selectable,
  type Transaction,
} from 'kysely';
import { AppError, ErrorCode } from '../errors.js';
import { hostIn } from '../store/host-filter.js';
import { containsInsensitive } from '../store/like.js';
import type { ContainersTable, Database } from '../store/index.js';
import { MIN_ID_PREFIX, type ContainerRecord, type ContainerState } from './model.js';

export interface ContainerFilter {
  state?: ContainerState;
  workload_id?: string;
  /** Case-insensitive substring of the name. */
  name?: string;
  /** Containers of any of these hosts; null stands for this process's own engine. */
  hosts?: (string | null)[];
}

/** A row of the index with the host it is on: null for this process's own engine. */
export type HostedContainer = ContainerRecord & { host_id: string | null };

/**
 * What storing an agent's observation did: `stored`; `stale` (the row holds a newer
 * observation); `other_host` (the id is another host's row, or this process's own:
 * refused, for the caller to log and count).
 */
export type ObservedOutcome = 'stored' | 'stale' | 'other_host';

/** What a host's full snapshot did: each container's outcome, and the rows it marked gone. */
export interface SnapshotOutcome {
  stored: number;
  stale: number;
  /** Ids of the snapshot refused because another host (or this process) holds them. */
  other_host: string[];
  /** Ids of the host's rows the snapshot no longer lists, now `missing`. */
  gone: string[];
}

type Db = Kysely<Database> | Transaction<Database>;

function toRecord(row: Selectable<ContainersTable>): HostedContainer {
  return {
    host_id: row.host_id,
    id: row.id,
    name: row.name,
    image: row.image,
    workload_id: row.workload_id,
    compose_service: row.compose_service,
    labels: JSON.parse(row.labels) as Record<string, string>,
    state: row.state as ContainerState,
    exit_code: row.exit_code,
    health: row.health,
    restart_count: row.restart_count,
    started_at: row.started_at,
    finished_at: row.finished_at,
    last_seen_at: row.last_seen_at,
    logs_available: row.logs_available === 1,
    tty: row.tty === 1,
  };
}

/** The record's own columns only: a record read back (with its host) or an agent's carries more. */
function toRow(record: ContainerRecord): Insertable<ContainersTable> {
  return {
    id: record.id,
    name: record.name,
    image: record.image,
    workload_id: record.workload_id,
    compose_service: record.compose_service,
    labels: JSON.stringify(record.labels),
    state: record.state,
    exit_code: record.exit_code,
    health: record.health,
    restart_count: record.restart_count,
    started_at: record.started_at,
    finished_at: record.finished_at,
    last_seen_at: record.last_seen_at,
    logs_available: record.logs_available ? 1 : 0,
    tty: record.tty ? 1 : 0,
  };
}

const ID_PREFIX = new RegExp(`^[0-9a-f]{${MIN_ID_PREFIX},63}$`);

export class ContainerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<HostedContainer | null> {
    const row = await this.db
      .selectFrom('containers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /**
   * A container by reference, in Docker's order: full id, then exact name (with or
   * without Docker's leading '/'), then a unique id prefix of at least
   * MIN_ID_PREFIX hex digits. A name several rows held (compose recreates a
   * service under the same name) means the one present now, else the one seen last.
   * A prefix more than one id starts with is CONTAINER_AMBIGUOUS, with the count.
   */
  async find(ref: string): Promise<HostedContainer | null> {
    const exact = await this.get(ref);
    if (exact) return exact;
    const byName = await this.db
      .selectFrom('containers')
      .selectAll()
      .where('name', '=', ref.replace(/^\//, ''))
      // Present rows first (false sorts before true on both dialects), then the latest.
      .orderBy(sql`state = 'missing'`)
      .orderBy('last_seen_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (byName) return toRecord(byName);
    if (!ID_PREFIX.test(ref)) return null;
    // Ids are 64 lowercase hex digits: the ids a prefix starts are a range of the primary
    // key (LIKE would scan: SQLite's is case-insensitive, PostgreSQL's needs a C collation).
    const withPrefix = (eb: ExpressionBuilder<Database, 'containers'>) =>
      eb.and([eb('id', '>=', ref), eb('id', '<=', ref.padEnd(64, 'f'))]);
    const rows = await this.db
      .selectFrom('containers')
      .selectAll()
      .where(withPrefix)
      .limit(2)
      .execute();
    if (rows.length < 2) return rows[0] ? toRecord(rows[0]) : null;
    const { n } = await this.db
      .selectFrom('containers')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(withPrefix)
      .executeTakeFirstOrThrow();
    const candidates = Number(n);
    throw new AppError(
      ErrorCode.ContainerAmbiguous,
      `container id prefix ${ref} matches ${candidates} containers: give more of the id, or the name`,
      { details: { prefix: ref, candidates } },
    );
  }

  async list(filter: ContainerFilter = {}): Promise<HostedContainer[]> {
    let query = this.db.selectFrom('containers').selectAll();
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.hosts?.length) query = query.where(hostIn(filter.hosts));
    if (filter.workload_id) query = query.where('workload_id', '=', filter.workload_id);
    if (filter.name) query = query.where(containsInsensitive('name', filter.name));
    const rows = await query.orderBy('name').execute();
    return rows.map(toRecord);
  }

  /** This process's own engine's container (host_id null); never takes over an agent's row. */
  async upsert(record: ContainerRecord): Promise<void> {
    const row = toRow(record);
    const { id: _id, ...update } = row;
    await this.db
      .insertInto('containers')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet(update).where('containers.host_id', 'is', null),
      )
      .execute();
  }

  /**
   * An agent's container as observed at `observedAt`. An observation older than the one
   * the row holds is not stored: two replicas may process one container's changes out
   * of order. An equal one is (a redelivery stores the same again).
   */
  async upsertObserved(
    hostId: string,
    record: ContainerRecord,
    observedAt: number,
    db: Db = this.db,
  ): Promise<ObservedOutcome> {
    const row = { ...toRow(record), host_id: hostId, observed_at: observedAt };
    const { id: _id, host_id: _host, ...update } = row;
    const written = await db
      .insertInto('containers')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet(update)
          .where('containers.host_id', '=', hostId)
          .where((eb) =>
            eb.or([
              eb('containers.observed_at', 'is', null),
              eb('containers.observed_at', '<=', observedAt),
            ]),
          ),
      )
      .returning('id')
      .execute();
    if (written.length > 0) return 'stored';
    const held = await db
      .selectFrom('containers')
      .select('host_id')
      .where('id', '=', record.id)
      .executeTakeFirst();
    return held && held.host_id === hostId ? 'stale' : 'other_host';
  }

  /**
   * An agent's full inventory as observed at `observedAt`: each container stored as by
   * upsertObserved, and the host's rows it does not list marked `missing`, as the
   * single-host index's pass does (the row and its events stay). A row observed after
   * the snapshot was taken is left as it is. One transaction (the caller's, if given).
   */
  async replaceHostSnapshot(
    hostId: string,
    records: readonly ContainerRecord[],
    observedAt: number,
    db: Db = this.db,
  ): Promise<SnapshotOutcome> {
    if (!db.isTransaction)
      return db
        .transaction()
        .execute((tx) => this.replaceHostSnapshot(hostId, records, observedAt, tx));
    const outcome: SnapshotOutcome = { stored: 0, stale: 0, other_host: [], gone: [] };
    for (const record of records) {
      const result = await this.upsertObserved(hostId, record, observedAt, db);
      if (result === 'other_host') outcome.other_host.push(record.id);
      else outcome[result]++;
    }
    const listed = new Set(records.map((r) => r.id));
    const present = await db
      .selectFrom('containers')
      .select(['id', 'observed_at'])
      .where('host_id', '=', hostId)
      .where('state', '!=', 'missing')
      .execute();
    const gone = present
      .filter((r) => !listed.has(r.id) && (r.observed_at === null || r.observed_at <= observedAt))
      .map((r) => r.id);
    for (let i = 0; i < gone.length; i += 500) {
      const ids = gone.slice(i, i + 500);
      const marked = await db
        .updateTable('containers')
        .set({ state: 'missing', observed_at: observedAt })
        .where('host_id', '=', hostId)
        .where('id', 'in', ids)
        .where('state', '!=', 'missing')
        .where((eb) => eb.or([eb('observed_at', 'is', null), eb('observed_at', '<=', observedAt)]))
        .returning('id')
        .execute();
      outcome.gone.push(...marked.map((r) => r.id));
    }
    return outcome;
  }

  async setLogsAvailable(id: string, available: boolean): Promise<void> {
    await this.db
      .updateTable('containers')
      .set({ logs_available: available ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  /** Ids of this process's own engine's rows that are not already missing. */
  async presentIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('containers')
      .select('id')
      .where('state', '!=', 'missing')
      // An agent's rows are its snapshots' to mark: the local engine never lists them.
      .where('host_id', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }
}
