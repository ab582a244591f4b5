import { journalObject } from '../audit/object-id.js';
import type { Journal } from '../audit/model.js';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ErrorCode, isAppError } from '../errors.js';
import type { Database } from '../store/index.js';
import { RuleRepository } from './repository.js';
import { RulesService, type WorkloadLookup } from './service.js';
import { RuleSnapshotHolder, type RuleSnapshot } from './snapshot.js';

export interface RulesDeps {
  db: Kysely<Database>;
  workloads: WorkloadLookup;
  /** Where snapshot reloads are recorded. */
  journal: Journal;
  log: Logger;
}

export interface Rules {
  snapshots: RuleSnapshotHolder;
  /** Table access, for what other domains read in their own transactions. */
  repository: RuleRepository;
  service: RulesService;
  /** Builds the first snapshot. */
  start(): Promise<RuleSnapshot>;
}

/**
 * Rules and their snapshot. Every reload is journaled: a successful one with its rule
 * count and compile errors, one that could not read the rules with its error code.
 */
export function createRules(deps: RulesDeps): Rules {
  const repo = new RuleRepository(deps.db);
  const snapshots = new RuleSnapshotHolder(repo, { log: deps.log });
  snapshots.onReload((snapshot) =>
    deps.journal.record({
      source: 'rules',
      actor: 'system',
      action: 'rules.reload',
      object: journalObject.ruleSnapshot(snapshot.version),
      success: snapshot.compileErrors.length === 0,
      error_code: snapshot.compileErrors.length === 0 ? null : ErrorCode.RuleInvalidPattern,
      details: { rules: snapshot.ruleCount, compile_errors: snapshot.compileErrors },
    }),
  );
  const reload = () =>
    snapshots.reload().catch((err: unknown) => {
      deps.journal.record({
        source: 'rules',
        actor: 'system',
        action: 'rules.reload',
        success: false,
        error_code: isAppError(err) ? err.code : ErrorCode.Internal,
        details: { message: (err as Error).message },
      });
      throw err;
    });
  return {
    snapshots,
    repository: repo,
    service: new RulesService({
      repo,
      workloads: deps.workloads,
      snapshots: { reload },
      log: deps.log,
    }),
    start: reload,
  };
}
