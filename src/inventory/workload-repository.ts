import type { Kysely, Selectable } from 'kysely';
import type { Database, WorkloadsTable } from '../store/index.js';
import type { Workload } from './model.js';

function toWorkload(row: Selectable<WorkloadsTable>): Workload {
  return { id: row.id, name: row.name, kind: row.kind, created_at: row.created_at };
}

export class WorkloadRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<Workload[]> {
    const rows = await this.db.selectFrom('workloads').selectAll().orderBy('name').execute();
    return rows.map(toWorkload);
  }

  async get(id: string): Promise<Workload | null> {
    const row = await this.db
      .selectFrom('workloads')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toWorkload(row) : null;
  }

  /** Inserts unless the id exists; returns whether a row was created. */
  async insert(workload: Workload): Promise<boolean> {
    const result = await this.db
      .insertInto('workloads')
      .values(workload)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async rename(id: string, name: string): Promise<boolean> {
    const result = await this.db
      .updateTable('workloads')
      .set({ name })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the workload; its containers stay indexed without one. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('containers')
        .set({ workload_id: null })
        .where('workload_id', '=', id)
        .execute();
      const result = await tx.deleteFrom('workloads').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
