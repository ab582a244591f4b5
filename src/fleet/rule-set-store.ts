import type { Kysely } from 'kysely';
import { WorkloadRepository } from '../inventory/workload-repository.js';
import { RuleRepository } from '../rules/repository.js';
import type { Database } from '../store/index.js';
import type { RuleSetValue } from './rule-set.js';

/** The agent_state key of the revision of the rule set the agent stored. */
export const RULE_REVISION_KEY = 'rule_set_revision';

/**
 * An agent's copy of the rule set in its own SQLite: the rules in `log_scan_rules`
 * (the server's ids), the workloads in `workloads`, the revision in agent_state, all in
 * one transaction, so a restart finds a whole set or the previous one.
 */
export class LocalRuleSetStore {
  constructor(private readonly db: Kysely<Database>) {}

  async revision(): Promise<number | null> {
    const row = await this.db
      .selectFrom('agent_state')
      .select('value')
      .where('key', '=', RULE_REVISION_KEY)
      .executeTakeFirst();
    return row ? Number(row.value) : null;
  }

  async save(set: RuleSetValue): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      // Upserted, never deleted: the agent's containers point at them, and the server
      // sends every workload it knows.
      const workloads = new WorkloadRepository(tx);
      for (const w of set.workloads) {
        if (!(await workloads.insert(w))) await workloads.rename(w.id, w.name);
      }
      await new RuleRepository(tx).replaceAll(set.rules);
      await tx
        .insertInto('agent_state')
        .values({ key: RULE_REVISION_KEY, value: String(set.revision) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(set.revision) }))
        .execute();
    });
  }
}
