import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { AppError, ErrorCode } from '../errors.js';
import { containsInsensitive } from '../store/like.js';
import type { ContainersTable, Database } from '../store/index.js';
import { MIN_ID_PREFIX, type ContainerRecord, type ContainerState } from './model.js';

export interface ContainerFilter {
  state?: ContainerState;
  workload_id?: string;
  /** Case-insensitive substring of the name. */
  name?: string;
}

function toRecord(row: Selectable<ContainersTable>): ContainerRecord {
  return {
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

function toRow(record: ContainerRecord): Insertable<ContainersTable> {
  return {
    ...record,
    labels: JSON.stringify(record.labels),
    logs_available: record.logs_available ? 1 : 0,
    tty: record.tty ? 1 : 0,
  };
}

const ID_PREFIX = new RegExp(`^[0-9a-f]{${MIN_ID_PREFIX},63}$`);

export class ContainerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<ContainerRecord | null> {
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
  async find(ref: string): Promise<ContainerRecord | null> {
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

  async list(filter: ContainerFilter = {}): Promise<ContainerRecord[]> {
    let query = this.db.selectFrom('containers').selectAll();
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.workload_id) query = query.where('workload_id', '=', filter.workload_id);
    if (filter.name) query = query.where(containsInsensitive('name', filter.name));
    const rows = await query.orderBy('name').execute();
    return rows.map(toRecord);
  }

  async upsert(record: ContainerRecord): Promise<void> {
    const row = toRow(record);
    const { id: _id, ...update } = row;
    await this.db
      .insertInto('containers')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(update))
      .execute();
  }

  async setLogsAvailable(id: string, available: boolean): Promise<void> {
    await this.db
      .updateTable('containers')
      .set({ logs_available: available ? 1 : 0 })
      .where('id', '=', id)
      .execute();
  }

  /** Ids of rows that are not already missing. */
  async presentIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('containers')
      .select('id')
      .where('state', '!=', 'missing')
      .execute();
    return rows.map((r) => r.id);
  }
}
