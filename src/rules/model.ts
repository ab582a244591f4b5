import {
  MAX_CONTEXT_AFTER,
  MAX_CONTEXT_BEFORE,
  SEVERITIES,
  type Severity,
} from '../events/model.js';

export { MAX_CONTEXT_AFTER, MAX_CONTEXT_BEFORE };

export const RULE_SEVERITIES = SEVERITIES;
export const RULE_STREAMS = ['stdout', 'stderr', 'both'] as const;
export type RuleStream = (typeof RULE_STREAMS)[number];
export const RULE_SCOPES = ['global', 'workload'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

/** Where an effective rule comes from, for one workload. */
export type EffectiveSource = 'global' | 'workload' | 'override';

/** Limits, as in the reference. */
export const MAX_PATTERN_BYTES = 4096;
/**
 * A capture keeps at most this many bytes (UTF-8) of what its group matched; a longer
 * one is cut on a character boundary and ends in `…`, as a cut message does.
 */
export const MAX_CAPTURE_BYTES = 1024;
export const MAX_ENABLED_RULES = 1000;
export const MAX_NAME_LENGTH = 200;
export const MAX_COOLDOWN_SECONDS = 86_400;
/** The longest quiet period a rule may set (a week), as incidents allow. */
export const MAX_RESOLVE_AFTER_SECONDS = 604_800;

/** What a rule fires on: every line (default), a count in a window, or an absence. */
export const CONDITION_TYPES = ['line', 'count', 'absence'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
/**
 * Count and absence windows are whole seconds from 1: Docker timestamps are finer, but
 * the absence watcher checks once a second, so a shorter window would promise more
 * than it keeps.
 */
export const MIN_CONDITION_WINDOW_SECONDS = 1;
/**
 * A count window of at most a day: the state is a ring of the last `threshold` match
 * times per group key, kept in memory and stored with every commit; longer windows are
 * trend reports, not alerts.
 */
export const MAX_COUNT_WINDOW_SECONDS = 86_400;
/**
 * An absence window of at most a week: "the weekly backup did not run" is the longest
 * heartbeat worth watching, and costs one timestamp per container either way.
 */
export const MAX_ABSENCE_WINDOW_SECONDS = 7 * 86_400;
/**
 * At most this many matches in one window: the ring keeps one time per match, so memory
 * per group key is 8 bytes × threshold (8 KiB at the cap), and the state row stored with
 * each commit stays small (about 14 KiB of JSON at the cap).
 */
export const MAX_COUNT_THRESHOLD = 1000;
/**
 * Group keys counted at once per count rule; a match for a new key beyond it is dropped
 * and counted (scanner counter `condition_keys_dropped`). With `group_by: capture:<name>`
 * the keys come from log lines (client IPs, job ids): the cap is what keeps a flood of
 * distinct values from growing memory and the state table without bound. Keys whose
 * window has passed are forgotten, so the cap counts only keys active within a window.
 */
export const MAX_COUNT_KEYS_PER_RULE = 10_000;

export type CountGroupBy = 'container' | 'workload' | `capture:${string}`;

export type RuleCondition =
  | { type: 'line' }
  | { type: 'count'; threshold: number; window_seconds: number; group_by: CountGroupBy }
  | { type: 'absence'; window_seconds: number };

export const LINE_CONDITION: RuleCondition = Object.freeze({ type: 'line' });
/**
 * The lines a hit keeps around it: `before` and `after` its line (same container, both
 * streams, in the order read), and with `multiline` the rest of its multi-line record
 * (a stack trace) even beyond `after`. 0/0 without multiline keeps nothing.
 */
export interface RuleContext {
  before: number;
  after: number;
  multiline: boolean;
}

export const CONTEXT_DEFAULTS: Readonly<RuleContext> = Object.freeze({
  before: 5,
  after: 10,
  multiline: true,
});

/** Whether a rule keeps any lines around its hits. */
export function keepsContext(context: RuleContext): boolean {
  return context.before > 0 || context.after > 0 || context.multiline;
}

export const RULE_DEFAULTS = {
  severity: 'warn',
  stream: 'both',
  cooldown_seconds: 60,
  enabled: true,
  condition: LINE_CONDITION,
} as const satisfies Partial<Rule>;

/** One row of `log_scan_rules`. Times are milliseconds since the epoch. */
export interface Rule {
  id: number;
  name: string;
  pattern: string;
  severity: Severity;
  stream: RuleStream;
  cooldown_seconds: number;
  enabled: boolean;
  /** What fires the rule (see docs/alerts.md, "Conditions"). */
  condition: RuleCondition;
  scope: RuleScope;
  /** Set exactly when scope is `workload`. */
  workload_id: string | null;
  /** A workload rule that replaces this global rule for its workload. */
  overrides_rule_id: number | null;
  /**
   * An incident of this rule resolves after this many seconds without a new hit; null:
   * the configured default (incidents.resolve_after_seconds).
   */
  resolve_after_seconds: number | null;
  context: RuleContext;
  created_at: number;
  updated_at: number;
}

/** The writable fields; a create fills the missing ones with defaults. */
export interface RuleFields {
  name: string;
  pattern: string;
  severity: Severity;
  stream: RuleStream;
  cooldown_seconds: number;
  enabled: boolean;
  condition: RuleCondition;
  scope: RuleScope;
  workload_id: string | null;
  overrides_rule_id: number | null;
  resolve_after_seconds: number | null;
  context: RuleContext;
}

/**
 * What the API hands in: fields may be missing (PATCH changes only those sent) and are
 * not trusted to have the right type, so the service validates each.
 */
export type RuleInput = { [K in keyof RuleFields]?: unknown };

/** An effective rule for a workload, with where it comes from. */
export interface EffectiveRule extends Rule {
  source: EffectiveSource;
}

/** A rule's own source: a workload rule with overrides_rule_id is an override. */
export function sourceOf(rule: Pick<Rule, 'scope' | 'overrides_rule_id'>): EffectiveSource {
  if (rule.scope === 'global') return 'global';
  return rule.overrides_rule_id === null ? 'workload' : 'override';
}

/**
 * Effective rules for a workload (null: a container without one): the enabled globals,
 * minus those the workload overrides, plus the workload's own enabled rules. An override
 * removes its global whether or not it is enabled itself, so a disabled override
 * silences the global for that workload. Sorted by id.
 */
export function resolveEffective(
  rules: readonly Rule[],
  workloadId: string | null,
): EffectiveRule[] {
  const own =
    workloadId === null
      ? []
      : rules.filter((r) => r.scope === 'workload' && r.workload_id === workloadId);
  const overridden = new Set(own.map((r) => r.overrides_rule_id).filter((id) => id !== null));
  const out: EffectiveRule[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (rule.scope === 'global' && !overridden.has(rule.id))
      out.push({ ...rule, source: 'global' });
  }
  for (const rule of own) if (rule.enabled) out.push({ ...rule, source: sourceOf(rule) });
  return out.sort((a, b) => a.id - b.id);
}
