import type { RuleInput } from '../../api/rules';
import type { Rule, RuleStream, Severity } from '../../api/types';

/** The editor's form state (strings where the inputs hold strings). */
export interface RuleDraft {
  name: string;
  pattern: string;
  severity: Severity;
  stream: RuleStream;
  cooldown_seconds: string;
  enabled: boolean;
  scope: 'global' | 'workload';
  workload_id: string;
  /** '' when the rule overrides nothing. */
  overrides_rule_id: string;
  /** The condition: its type, and its fields as the inputs hold them. */
  condition_type: 'line' | 'count' | 'absence';
  threshold: string;
  window_seconds: string;
  /** container | workload | capture:<name> */
  group_by: string;
  /** Lines kept before and after a hit, and whether its multi-line record stays whole. */
  context_before: string;
  context_after: string;
  context_multiline: boolean;
  /** An incident resolves after this long without a hit; '' for the configured default. */
  resolve_after_seconds: string;
}

export const EMPTY_DRAFT: RuleDraft = {
  name: '',
  pattern: '',
  severity: 'warn',
  stream: 'both',
  cooldown_seconds: '60',
  enabled: true,
  scope: 'global',
  workload_id: '',
  overrides_rule_id: '',
  condition_type: 'line',
  threshold: '5',
  window_seconds: '60',
  group_by: 'container',
  context_before: '5',
  context_after: '10',
  context_multiline: true,
  resolve_after_seconds: '',
};

export function draftOf(rule: Rule): RuleDraft {
  return {
    name: rule.name,
    pattern: rule.pattern,
    severity: rule.severity,
    stream: rule.stream,
    cooldown_seconds: String(rule.cooldown_seconds),
    enabled: rule.enabled,
    scope: rule.scope,
    workload_id: rule.workload_id ?? '',
    overrides_rule_id: rule.overrides_rule_id === null ? '' : String(rule.overrides_rule_id),
    condition_type: rule.condition.type,
    threshold: String(rule.condition.threshold ?? EMPTY_DRAFT.threshold),
    window_seconds: String(rule.condition.window_seconds ?? EMPTY_DRAFT.window_seconds),
    group_by: rule.condition.group_by ?? EMPTY_DRAFT.group_by,
    context_before: String(rule.context.before),
    context_after: String(rule.context.after),
    context_multiline: rule.context.multiline,
    resolve_after_seconds:
      rule.resolve_after_seconds === null ? '' : String(rule.resolve_after_seconds),
  };
}

/** A whole number as a number; anything else as it is, for the server to name the field. */
function wholeOr(text: string): number {
  const n = Number(text);
  return Number.isInteger(n) && text.trim() !== '' ? n : (text as unknown as number);
}

/** The condition the draft describes, with only the fields of its type. */
export function conditionOf(draft: RuleDraft): Rule['condition'] {
  switch (draft.condition_type) {
    case 'count':
      return {
        type: 'count',
        threshold: wholeOr(draft.threshold),
        window_seconds: wholeOr(draft.window_seconds),
        group_by: draft.group_by,
      };
    case 'absence':
      return { type: 'absence', window_seconds: wholeOr(draft.window_seconds) };
    default:
      return { type: 'line' };
  }
}

/** A new override starts as a copy of the global rule it replaces in one workload. */
export function overrideDraft(global: Rule, workloadId: string): RuleDraft {
  return {
    ...draftOf(global),
    scope: 'workload',
    workload_id: workloadId,
    overrides_rule_id: String(global.id),
  };
}

/** What the API gets: a global rule has no workload and overrides nothing. */
export function inputOf(draft: RuleDraft): RuleInput {
  const workload = draft.scope === 'workload';
  const cooldown = Number(draft.cooldown_seconds);
  return {
    name: draft.name,
    pattern: draft.pattern,
    severity: draft.severity,
    stream: draft.stream,
    // A non-number goes to the server as it is, which then names the field.
    cooldown_seconds:
      Number.isInteger(cooldown) && draft.cooldown_seconds.trim() !== ''
        ? cooldown
        : (draft.cooldown_seconds as unknown as number),
    enabled: draft.enabled,
    condition: conditionOf(draft),
    scope: draft.scope,
    workload_id: workload ? draft.workload_id || null : null,
    overrides_rule_id: workload && draft.overrides_rule_id ? Number(draft.overrides_rule_id) : null,
    context: {
      before: wholeOr(draft.context_before),
      after: wholeOr(draft.context_after),
      multiline: draft.context_multiline,
    },
    resolve_after_seconds:
      draft.resolve_after_seconds.trim() === '' ? null : wholeOr(draft.resolve_after_seconds),
  };
}
