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
  /** Lines kept before and after a hit, and whether its multi-line record stays whole. */
  context_before: string;
  context_after: string;
  context_multiline: boolean;
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
  context_before: '5',
  context_after: '10',
  context_multiline: true,
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
    context_before: String(rule.context.before),
    context_after: String(rule.context.after),
    context_multiline: rule.context.multiline,
  };
}

/** A whole number as typed, or the text itself: the server then names the field. */
function count(text: string): number {
  const n = Number(text);
  return Number.isInteger(n) && text.trim() !== '' ? n : (text as unknown as number);
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
    scope: draft.scope,
    workload_id: workload ? draft.workload_id || null : null,
    overrides_rule_id: workload && draft.overrides_rule_id ? Number(draft.overrides_rule_id) : null,
    context: {
      before: count(draft.context_before),
      after: count(draft.context_after),
      multiline: draft.context_multiline,
    },
  };
}
