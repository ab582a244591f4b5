import type { Kysely } from 'kysely';
import { WorkloadRepository } from '../inventory/workload-repository.js';
import { RuleRepository } from '../rules/repository.js';
import type { Database } from '../store/index.js';
import type { RuleSetSource } from './rule-set-publisher.js';

/**
 * The server's rule set: revision, rules and workloads in one transaction, so the
 * revision published is the one these rules were committed with.
 */
export function databaseRuleSetSource(db: Kysely<Database>): RuleSetSource {
  return {
    current: () =>
      db.transaction().execute(async (tx) => {
        const rules = new RuleRepository(tx);
        return {
          revision: await rules.revision(),
          rules: await rules.list(),
          workloads: await new WorkloadRepository(tx).list(),
        };
      }),
  };
}
