import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import { isSeverity } from '../events/model.js';
import { compileOrThrow } from './compile.js';
import { checkConditionPattern, parseCondition } from './condition.js';
import {
  CONTEXT_DEFAULTS,
  MAX_CONTEXT_AFTER,
  MAX_CONTEXT_BEFORE,
  MAX_COOLDOWN_SECONDS,
  MAX_RESOLVE_AFTER_SECONDS,
  MAX_ENABLED_RULES,
  MAX_NAME_LENGTH,
  RULE_DEFAULTS,
  RULE_SCOPES,
  RULE_STREAMS,
  resolveEffective,
  type EffectiveRule,
  type Rule,
  type RuleContext,
  type RuleFields,
  type RuleInput,
  type RuleScope,
  type RuleStream,
} from './model.js';
import type { RuleFilter, RuleRepository } from './repository.js';
import { singleRuleMatcher } from './snapshot.js';

/** What the service needs to know about workloads (the inventory's repository fits). */
export interface WorkloadLookup {
  get(id: string): Promise<{ id: string } | null>;
}

/** What every successful change calls once, so tails see it (the snapshot holder). */
export interface RulesReloader {
  reload(): Promise<unknown>;
}

export interface RuleTestInput {
  pattern?: unknown;
  rule_id?: unknown;
  sample_line?: unknown;
}

export interface RuleTestResult {
  matched: boolean;
  captures: Record<string, string>;
}

/** A sample line is a log line: at most what the scanner keeps of one. */
const MAX_SAMPLE_BYTES = 1024 * 1024;

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function lineCount(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw AppError.validation(field, `must be a whole number from 0 to ${max}`);
  return value;
}

/**
 * A rule's `context`: the fields sent over `base` (the stored one on a change, the
 * defaults on a create), so `{"after": 20}` changes only `after`.
 */
export function parseContext(value: unknown, base: RuleContext): RuleContext {
  if (!isObject(value)) throw AppError.validation('context', 'must be an object');
  for (const key of Object.keys(value))
    if (!['before', 'after', 'multiline'].includes(key))
      throw AppError.validation(
        `context.${key}`,
        'is not a context field (before, after, multiline)',
      );
  const out = { ...base };
  if (value.before !== undefined)
    out.before = lineCount(value.before, 'context.before', MAX_CONTEXT_BEFORE);
  if (value.after !== undefined)
    out.after = lineCount(value.after, 'context.after', MAX_CONTEXT_AFTER);
  if (value.multiline !== undefined) {
    if (typeof value.multiline !== 'boolean')
      throw AppError.validation('context.multiline', 'must be a boolean');
    out.multiline = value.multiline;
  }
  return out;
}

/** Checks the type and range of each field sent; cross-field rules come later. */
function parseFields(input: RuleInput): Partial<RuleFields> {
  const out: Partial<RuleFields> = {};
  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || input.name.trim() === '')
      throw AppError.validation('name', 'must be a non-empty string');
    const name = input.name.trim();
    if (name.length > MAX_NAME_LENGTH)
      throw AppError.validation('name', `must be at most ${MAX_NAME_LENGTH} characters`);
    out.name = name;
  }
  if (input.pattern !== undefined) {
    if (typeof input.pattern !== 'string') throw AppError.validation('pattern', 'must be a string');
    compileOrThrow(input.pattern, 'pattern');
    out.pattern = input.pattern;
  }
  if (input.severity !== undefined) {
    if (!isSeverity(input.severity))
      throw AppError.validation('severity', 'must be one of info, warn, error, critical');
    out.severity = input.severity;
  }
  if (input.stream !== undefined) {
    if (!isOneOf<RuleStream>(RULE_STREAMS, input.stream))
      throw AppError.validation('stream', 'must be one of stdout, stderr, both');
    out.stream = input.stream;
  }
  if (input.cooldown_seconds !== undefined) {
    const v = input.cooldown_seconds;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_COOLDOWN_SECONDS)
      throw AppError.validation(
        'cooldown_seconds',
        `must be a whole number from 0 to ${MAX_COOLDOWN_SECONDS}`,
      );
    out.cooldown_seconds = v;
  }
  if (input.resolve_after_seconds !== undefined) {
    const v = input.resolve_after_seconds;
    if (
      v !== null &&
      (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_RESOLVE_AFTER_SECONDS)
    )
      throw AppError.validation(
        'resolve_after_seconds',
        `must be a whole number from 1 to ${MAX_RESOLVE_AFTER_SECONDS}, or null for the default`,
      );
    out.resolve_after_seconds = v;
  }
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== 'boolean')
      throw AppError.validation('enabled', 'must be a boolean');
    out.enabled = input.enabled;
  }
  if (input.condition !== undefined) out.condition = parseCondition(input.condition);
  if (input.scope !== undefined) {
    if (!isOneOf<RuleScope>(RULE_SCOPES, input.scope))
      throw AppError.validation('scope', 'must be global or workload');
    out.scope = input.scope;
  }
  if (input.workload_id !== undefined) {
    if (input.workload_id !== null && (typeof input.workload_id !== 'string' || !input.workload_id))
      throw AppError.validation('workload_id', 'must be a workload id or null');
    out.workload_id = input.workload_id;
  }
  if (input.overrides_rule_id !== undefined) {
    if (input.overrides_rule_id !== null && !isId(input.overrides_rule_id))
      throw AppError.validation('overrides_rule_id', 'must be a rule id or null');
    out.overrides_rule_id = input.overrides_rule_id;
  }
  // `context` merges over a base only the service knows: checked here, merged there.
  if (input.context !== undefined) parseContext(input.context, CONTEXT_DEFAULTS);
  return out;
}

function conflict(field: string, message: string): AppError {
  return new AppError(ErrorCode.Conflict, message, { field });
}

function limitReached(): AppError {
  return new AppError(
    ErrorCode.RuleLimitReached,
    `enabled: at most ${MAX_ENABLED_RULES} rules can be enabled; disable or delete one first`,
    { field: 'enabled', details: { limit: MAX_ENABLED_RULES } },
  );
}

/** A unique or foreign-key violation the checks did not see coming (a concurrent write). */
function constraintError(err: unknown): AppError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE')
    return conflict('overrides_rule_id', 'the workload already overrides this rule');
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
    return AppError.validation(
      'workload_id',
      'the workload or the overridden rule no longer exists',
    );
  return null;
}

/**
 * Rule management: validation, overrides, the enabled-rule limit, and a snapshot
 * reload after every change that went through.
 */
export class RulesService {
  private readonly changeListeners = new Set<() => void>();

  constructor(
    private readonly deps: {
      repo: RuleRepository;
      workloads: WorkloadLookup;
      snapshots: RulesReloader;
      log?: Logger;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /**
   * Called after every committed change (the rule set publisher); returns the
   * unsubscribe function. A throwing listener is logged, never the caller's failure.
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  list(filter: RuleFilter = {}): Promise<Rule[]> {
    return this.deps.repo.list(filter);
  }

  async get(id: number): Promise<Rule> {
    const rule = await this.deps.repo.get(id);
    if (!rule) throw AppError.notFound('rule', id);
    return rule;
  }

  async create(input: RuleInput): Promise<Rule> {
    const sent = parseFields(input);
    const rule = await this.write(() =>
      this.deps.repo.transaction(async (repo) => {
        const scope: RuleScope =
          sent.scope ??
          ((sent.workload_id ?? null) !== null || (sent.overrides_rule_id ?? null) !== null
            ? 'workload'
            : 'global');
        let fields: Partial<RuleFields> = { ...sent, scope };
        if (fields.overrides_rule_id != null) {
          // An override starts as a copy of its global: send only what differs.
          const global = await this.overridable(repo, fields.overrides_rule_id);
          fields = {
            name: global.name,
            pattern: global.pattern,
            severity: global.severity,
            stream: global.stream,
            cooldown_seconds: global.cooldown_seconds,
            resolve_after_seconds: global.resolve_after_seconds,
            condition: global.condition,
            context: global.context,
            ...fields,
          };
        }
        if (fields.name === undefined) throw AppError.validation('name', 'is required');
        if (fields.pattern === undefined) throw AppError.validation('pattern', 'is required');
        const complete: RuleFields = {
          name: fields.name,
          pattern: fields.pattern,
          severity: fields.severity ?? RULE_DEFAULTS.severity,
          stream: fields.stream ?? RULE_DEFAULTS.stream,
          cooldown_seconds: fields.cooldown_seconds ?? RULE_DEFAULTS.cooldown_seconds,
          enabled: fields.enabled ?? RULE_DEFAULTS.enabled,
          condition: fields.condition ?? RULE_DEFAULTS.condition,
          scope,
          workload_id: fields.workload_id ?? null,
          overrides_rule_id: fields.overrides_rule_id ?? null,
          resolve_after_seconds: fields.resolve_after_seconds ?? null,
          context:
            input.context === undefined
              ? (fields.context ?? { ...CONTEXT_DEFAULTS })
              : parseContext(input.context, fields.context ?? CONTEXT_DEFAULTS),
        };
        checkConditionPattern(complete.condition, compileOrThrow(complete.pattern));
        await this.checkPlacement(repo, complete, null);
        if (complete.enabled && (await repo.countEnabled()) >= MAX_ENABLED_RULES)
          throw limitReached();
        return repo.insert(complete, this.now());
      }),
    );
    await this.reload();
    return rule;
  }

  /** Changes only the fields sent. */
  async update(id: number, input: RuleInput): Promise<Rule> {
    const sent = parseFields(input);
    if (Object.keys(sent).length === 0 && input.context === undefined) return this.get(id);
    const rule = await this.write(() =>
      this.deps.repo.transaction(async (repo) => {
        const existing = await repo.get(id);
        if (!existing) throw AppError.notFound('rule', id);
        if (input.context !== undefined)
          sent.context = parseContext(input.context, existing.context);
        const merged: RuleFields = { ...existing, ...sent };
        if (sent.condition !== undefined || sent.pattern !== undefined)
          checkConditionPattern(merged.condition, compileOrThrow(merged.pattern));
        if (existing.scope === 'global' && merged.scope !== 'global') {
          const overrides = await repo.countOverridesOf(id);
          if (overrides > 0)
            throw conflict(
              'scope',
              `rule ${id} is overridden by ${overrides} workload rule(s); delete those first`,
            );
        }
        await this.checkPlacement(repo, merged, existing);
        if (
          merged.enabled &&
          !existing.enabled &&
          (await repo.countEnabled(id)) >= MAX_ENABLED_RULES
        )
          throw limitReached();
        const updated = await repo.update(id, sent, this.now());
        if (!updated) throw AppError.notFound('rule', id);
        return updated;
      }),
    );
    await this.reload();
    return rule;
  }

  /** Deletes the rule; a global's overrides go with it, in the same transaction. */
  async delete(id: number): Promise<{ overrides_deleted: number }> {
    const { deleted, overrides } = await this.deps.repo.delete(id);
    if (!deleted) throw AppError.notFound('rule', id);
    await this.reload();
    return { overrides_deleted: overrides };
  }

  /** The rules that apply to a workload's containers, with where each comes from. */
  async effectiveFor(workloadId: string): Promise<EffectiveRule[]> {
    if (!(await this.deps.workloads.get(workloadId)))
      throw AppError.notFound('workload', workloadId);
    return resolveEffective(await this.deps.repo.listForWorkload(workloadId), workloadId);
  }

  /** Runs a pattern, or a stored rule's, on a sample line, as the scanner would. */
  async test(input: RuleTestInput): Promise<RuleTestResult> {
    if (typeof input.sample_line !== 'string')
      throw AppError.validation('sample_line', 'is required and must be a string');
    const line = Buffer.from(input.sample_line, 'utf8');
    if (line.length > MAX_SAMPLE_BYTES)
      throw AppError.validation('sample_line', `must be at most ${MAX_SAMPLE_BYTES} bytes`);
    const hasPattern = input.pattern !== undefined && input.pattern !== null;
    const hasRule = input.rule_id !== undefined && input.rule_id !== null;
    if (hasPattern === hasRule)
      throw AppError.validation(
        'pattern',
        hasPattern ? 'send either pattern or rule_id, not both' : 'pattern or rule_id is required',
      );
    let compiled;
    if (hasPattern) {
      if (typeof input.pattern !== 'string')
        throw AppError.validation('pattern', 'must be a string');
      compiled = compileOrThrow(input.pattern, 'pattern');
    } else {
      if (!isId(input.rule_id)) throw AppError.validation('rule_id', 'must be a rule id');
      const rule = await this.deps.repo.get(input.rule_id);
      if (!rule) throw AppError.validation('rule_id', `rule ${input.rule_id} does not exist`);
      compiled = compileOrThrow(rule.pattern, 'rule_id');
    }
    const [hit] = singleRuleMatcher(compiled).match(line, 'stdout');
    return { matched: hit !== undefined, captures: hit?.captures ?? {} };
  }

  /** Scope, workload and override consistency of a complete rule. */
  private async checkPlacement(
    repo: RuleRepository,
    rule: RuleFields,
    existing: Rule | null,
  ): Promise<void> {
    if (rule.scope === 'global') {
      if (rule.workload_id !== null)
        throw AppError.validation('workload_id', 'must be null for a global rule');
      if (rule.overrides_rule_id !== null)
        throw AppError.validation(
          'overrides_rule_id',
          'only a workload rule can override a global rule',
        );
      return;
    }
    if (rule.workload_id === null)
      throw AppError.validation('workload_id', 'is required for a workload rule');
    const workloadChanged = existing?.workload_id !== rule.workload_id;
    // Through the transaction's repository: SQLite has one connection, and a query on
    // the database outside the transaction would wait for it forever.
    if (workloadChanged && !(await repo.workloadExists(rule.workload_id)))
      throw AppError.validation('workload_id', `workload ${rule.workload_id} does not exist`);
    if (rule.overrides_rule_id === null) return;
    if (existing && rule.overrides_rule_id === existing.id)
      throw AppError.validation('overrides_rule_id', 'a rule cannot override itself');
    if (existing?.overrides_rule_id !== rule.overrides_rule_id)
      await this.overridable(repo, rule.overrides_rule_id);
    const other = await repo.findOverride(rule.workload_id, rule.overrides_rule_id);
    if (other && other.id !== existing?.id)
      throw conflict(
        'overrides_rule_id',
        `workload ${rule.workload_id} already overrides rule ${rule.overrides_rule_id} (rule ${other.id})`,
      );
  }

  private async overridable(repo: RuleRepository, id: number): Promise<Rule> {
    const global = await repo.get(id);
    if (!global) throw AppError.validation('overrides_rule_id', `rule ${id} does not exist`);
    if (global.scope !== 'global')
      throw AppError.validation('overrides_rule_id', `rule ${id} is not a global rule`);
    return global;
  }

  private async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw constraintError(err) ?? err;
    }
  }

  /**
   * The change is committed; a failed reload must not report it as failed. The next
   * successful reload (any change, or a restart) picks it up.
   */
  private async reload(): Promise<void> {
    try {
      await this.deps.snapshots.reload();
    } catch (err) {
      this.deps.log?.error({ err }, 'rules changed but the snapshot reload failed');
    }
    for (const listener of this.changeListeners) {
      try {
        listener();
      } catch (err) {
        this.deps.log?.error({ err }, 'rule change listener failed');
      }
    }
  }
}
