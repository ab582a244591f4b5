import type { Kysely, Selectable } from 'kysely';
import { containsInsensitive } from '../store/like.js';
import type { ContainersTable, Database } from '../store/index.js';
import type { ContainerRecord, ContainerState } from './model.js';

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

function toRow(record: ContainerRecord): ContainersTable {
  return {
    ...record,
    labels: JSON.stringify(record.labels),
    logs_available: record.logs_available ? 1 : 0,
    tty: record.tty ? 1 : 0,
  };
}

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

  /** By full id, unique id prefix (12+ characters, as docker prints them) or exact name. */
  async find(idOrName: string): Promise<ContainerRecord | null> {
    const exact = await this.get(idOrName);
    if (exact) return exact;
    const name = idOrName.replace(/^\//, '');
    const query = this.db.selectFrom('containers').selectAll();
    const rows = /^[0-9a-f]{12,63}$/.test(idOrName)
      ? await query.where('id', 'like', `${idOrName}%`).limit(2).execute()
      : await query.where('name', '=', name).orderBy('last_seen_at', 'desc').limit(1).execute();
    return rows.length === 1 ? toRecord(rows[0]!) : null;
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
