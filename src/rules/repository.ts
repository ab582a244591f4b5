import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, LogScanRulesTable } from '../store/index.js';
import {
  LINE_CONDITION,
  type Rule,
  type RuleCondition,
  type RuleFields,
  type RuleScope,
  type RuleStream,
} from './model.js';
import { conditionFromText, conditionToText } from './condition.js';
import type { Severity } from '../events/model.js';

export interface RuleFilter {
  scope?: RuleScope;
  workload_id?: string;
  enabled?: boolean;
}

function toRule(row: Selectable<LogScanRulesTable>): Rule {
  return {
    id: Number(row.id),
    name: row.name,
    pattern: row.pattern,
    severity: row.severity as Severity,
    stream: row.stream as RuleStream,
    cooldown_seconds: Number(row.cooldown_seconds),
    enabled: Number(row.enabled) === 1,
    condition: readCondition(row.condition),
    scope: row.scope as RuleScope,
    workload_id: row.workload_id,
    overrides_rule_id: row.overrides_rule_id === null ? null : Number(row.overrides_rule_id),
    resolve_after_seconds:
      row.resolve_after_seconds === null ? null : Number(row.resolve_after_seconds),
    context: {
      before: Number(row.context_before),
      after: Number(row.context_after),
      multiline: Number(row.context_multiline) === 1,
    },
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/**
 * Only the service writes conditions, after validating them; a row that still does not
 * read (edited by hand) counts as the default, every line, rather than failing the list.
 */
function readCondition(text: string): RuleCondition {
  try {
    return conditionFromText(text);
  } catch {
    return LINE_CONDITION;
  }
}

function toRow(fields: Partial<RuleFields>): Partial<Insertable<LogScanRulesTable>> {
  const { enabled, condition, context, ...rest } = fields;
  const row: Partial<Insertable<LogScanRulesTable>> = { ...rest };
  if (enabled !== undefined) row.enabled = enabled ? 1 : 0;
  if (condition !== undefined) row.condition = conditionToText(condition);
  if (context !== undefined) {
    row.context_before = context.before;
    row.context_after = context.after;
    row.context_multiline = context.multiline ? 1 : 0;
  }
  return row;
}

/**
 * Raises the rule set's revision; call it in the transaction of the change. Agents keep
 * the set with the highest revision, so every change of what is published (rules, and
 * the workloads they name) goes through here.
 */
export async function bumpRuleSetRevision(db: Kysely<Database>): Promise<void> {
  await db
    .updateTable('rule_set_revision')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

/** Table access for `log_scan_rules`. Works on a transaction as well as the database. */
export class RuleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** A rule's own resolve_after_seconds (null: none, or no such rule); `db` may be a transaction. */
  async resolveAfterSeconds(id: number, db: Kysely<Database> = this.db): Promise<number | null> {
    const row = await db
      .selectFrom('log_scan_rules')
      .select('resolve_after_seconds')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.resolve_after_seconds == null ? null : Number(row.resolve_after_seconds);
  }

  /** Runs `fn` in one transaction with a repository bound to it. */
  transaction<T>(fn: (repo: RuleRepository) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    return this.db.transaction().execute((tx) => fn(new RuleRepository(tx)));
  }

  async list(filter: RuleFilter = {}): Promise<Rule[]> {
    let query = this.db.selectFrom('log_scan_rules').selectAll();
    if (filter.scope) query = query.where('scope', '=', filter.scope);
    if (filter.workload_id) query = query.where('workload_id', '=', filter.workload_id);
    if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0);
    const rows = await query.orderBy('id').execute();
    return rows.map(toRule);
  }

  /** The globals and one workload's own rules: what its effective set is made of. */
  async listForWorkload(workloadId: string): Promise<Rule[]> {
    const rows = await this.db
      .selectFrom('log_scan_rules')
      .selectAll()
      .where((eb) => eb.or([eb('scope', '=', 'global'), eb('workload_id', '=', workloadId)]))
      .orderBy('id')
      .execute();
    return rows.map(toRule);
  }

  async get(id: number): Promise<Rule | null> {
    const row = await this.db
      .selectFrom('log_scan_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRule(row) : null;
  }

  /** The rule set's revision: bumped with every change, in the change's transaction. */
  async revision(): Promise<number> {
    const row = await this.db
      .selectFrom('rule_set_revision')
      .select('revision')
      .where('id', '=', 1)
      .executeTakeFirst();
    return Number(row?.revision ?? 0);
  }

  private bumpRevision(): Promise<void> {
    return bumpRuleSetRevision(this.db);
  }

  async insert(fields: RuleFields, now: number): Promise<Rule> {
    const row = {
      ...toRow(fields),
      created_at: now,
      updated_at: now,
    } as Insertable<LogScanRulesTable>;
    return this.transaction(async (repo) => {
      const inserted = await repo.db
        .insertInto('log_scan_rules')
        .values(row)
        .returningAll()
        .executeTakeFirstOrThrow();
      await repo.bumpRevision();
      return toRule(inserted);
    });
  }

  async update(id: number, fields: Partial<RuleFields>, now: number): Promise<Rule | null> {
    return this.transaction(async (repo) => {
      const updated = await repo.db
        .updateTable('log_scan_rules')
        .set({ ...toRow(fields), updated_at: now })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!updated) return null;
      await repo.bumpRevision();
      return toRule(updated);
    });
  }

  /**
   * Replaces every rule with `rules`, keeping their ids (an agent storing the set its
   * server published). Overrides name globals, so rules go in by id: a global is older.
   * SQLite only, as agents' stores are: PostgreSQL's identity column refuses given ids.
   */
  async replaceAll(rules: readonly Rule[]): Promise<void> {
    await this.transaction(async (repo) => {
      await repo.db.deleteFrom('log_scan_rules').execute();
      for (const rule of [...rules].sort((a, b) => a.id - b.id)) {
        const { id, created_at, updated_at, ...fields } = rule;
        await repo.db
          .insertInto('log_scan_rules')
          .values({ ...toRow(fields), id, created_at, updated_at } as Insertable<LogScanRulesTable>)
          .execute();
      }
      await repo.bumpRevision();
    });
  }

  /** Deletes the rule and the overrides of it, in one transaction; false if absent. */
  async delete(id: number): Promise<{ deleted: boolean; overrides: number }> {
    return this.transaction(async (repo) => {
      const overrides = await repo.db
        .deleteFrom('log_scan_rules')
        .where('overrides_rule_id', '=', id)
        .executeTakeFirst();
      const result = await repo.db
        .deleteFrom('log_scan_rules')
        .where('id', '=', id)
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows) > 0;
      if (deleted) await repo.bumpRevision();
      return {
        deleted: Number(result.numDeletedRows) > 0,
        overrides: Number(overrides.numDeletedRows),
      };
    });
  }

  async countEnabled(exceptId?: number): Promise<number> {
    let query = this.db
      .selectFrom('log_scan_rules')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('enabled', '=', 1);
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countOverridesOf(id: number): Promise<number> {
    const row = await this.db
      .selectFrom('log_scan_rules')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('overrides_rule_id', '=', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The workload's override of a global rule, if it has one. */
  async workloadExists(id: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('workloads')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }

  async findOverride(workloadId: string, globalId: number): Promise<Rule | null> {
    const row = await this.db
      .selectFrom('log_scan_rules')
      .selectAll()
      .where('workload_id', '=', workloadId)
      .where('overrides_rule_id', '=', globalId)
      .executeTakeFirst();
    return row ? toRule(row) : null;
  }
}
