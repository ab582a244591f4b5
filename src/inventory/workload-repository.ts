import type { Kysely, Selectable } from 'kysely';
import { bumpRuleSetRevision } from '../rules/repository.js';
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

  /**
   * Runs `fn` in a transaction (or the caller's). Workloads are part of the rule set
   * agents receive, and a deleted one takes its rules along: each write raises the rule
   * set's revision with it.
   */
  private transaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    return this.db.transaction().execute(fn);
  }

  /** Inserts unless the id exists; returns whether a row was created. */
  async insert(workload: Workload): Promise<boolean> {
    return this.transaction(async (tx) => {
      const result = await tx
        .insertInto('workloads')
        .values(workload)
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      const inserted = Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
      if (inserted) await bumpRuleSetRevision(tx);
      return inserted;
    });
  }

  async rename(id: string, name: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      const result = await tx
        .updateTable('workloads')
        .set({ name })
        .where('id', '=', id)
        .executeTakeFirst();
      const renamed = Number(result.numUpdatedRows) > 0;
      if (renamed) await bumpRuleSetRevision(tx);
      return renamed;
    });
  }

  /** Deletes the workload (its rules go with it); its containers stay indexed without one. */
  async delete(id: string): Promise<boolean> {
    return this.transaction(async (tx) => {
      await tx
        .updateTable('containers')
        .set({ workload_id: null })
        .where('workload_id', '=', id)
        .execute();
      const result = await tx.deleteFrom('workloads').where('id', '=', id).executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await bumpRuleSetRevision(tx);
      return deleted;
    });
  }
}
