import { AppError, ErrorCode, isAppError } from '../errors.js';
import { WORKLOAD_KINDS, type Workload } from '../inventory/model.js';
import { compilePattern } from '../rules/compile.js';
import { parseCondition } from '../rules/condition.js';
import {
  CONTEXT_DEFAULTS,
  RULE_SCOPES,
  RULE_SEVERITIES,
  RULE_STREAMS,
  type Rule,
} from '../rules/model.js';
import { parseContext } from '../rules/service.js';

/** The value of key `current` in the rules bucket: what every agent runs. */
export interface RuleSetValue {
  revision: number;
  /** Milliseconds since the epoch. */
  published_at: number;
  rules: Rule[];
  /** So that `logwarden.workload` labels resolve on agents as on the server. */
  workloads: Workload[];
}

export function encodeRuleSet(value: RuleSetValue): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

function wholeNumber(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw AppError.validation(field, `must be a whole number from ${min}`);
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw AppError.validation(field, 'must be a non-empty string');
  return value;
}

function nullable<T>(value: unknown, read: (v: unknown) => T): T | null {
  return value === null ? null : read(value);
}

/** Reads the revision alone, for comparing before the whole value is checked. */
export function ruleSetRevision(data: Uint8Array): number | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data));
    return isObject(value) && typeof value.revision === 'number' ? value.revision : null;
  } catch {
    return null;
  }
}

/**
 * A published value, checked as a whole: any problem (JSON, shape, a pattern RE2 does not
 * compile) rejects the set, and the agent keeps running the last good one. Errors name
 * the field (`rules[3].pattern`).
 */
export function parseRuleSet(data: Uint8Array): RuleSetValue {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw AppError.validation('value', 'is not JSON');
  }
  if (!isObject(value)) throw AppError.validation('value', 'must be an object');
  const revision = wholeNumber(value.revision, 'revision', 0);
  const published_at = wholeNumber(value.published_at, 'published_at', 0);
  if (!Array.isArray(value.rules)) throw AppError.validation('rules', 'must be an array');
  if (!Array.isArray(value.workloads)) throw AppError.validation('workloads', 'must be an array');
  const workloads = value.workloads.map((w: unknown, i) => parseWorkload(w, `workloads[${i}]`));
  const rules = value.rules.map((r: unknown, i) => parseRule(r, `rules[${i}]`));
  const ids = new Set(rules.map((r) => r.id));
  if (ids.size !== rules.length) throw AppError.validation('rules', 'holds a rule id twice');
  const known = new Set(workloads.map((w) => w.id));
  rules.forEach((rule, i) => {
    if (rule.workload_id !== null && !known.has(rule.workload_id))
      throw AppError.validation(`rules[${i}].workload_id`, 'names a workload not in the set');
    if (rule.overrides_rule_id !== null && !ids.has(rule.overrides_rule_id))
      throw AppError.validation(`rules[${i}].overrides_rule_id`, 'names a rule not in the set');
  });
  return { revision, published_at, rules, workloads };
}

function parseWorkload(value: unknown, at: string): Workload {
  if (!isObject(value)) throw AppError.validation(at, 'must be an object');
  if (!isOneOf(WORKLOAD_KINDS, value.kind))
    throw AppError.validation(`${at}.kind`, `must be one of ${WORKLOAD_KINDS.join(', ')}`);
  return {
    id: text(value.id, `${at}.id`),
    name: text(value.name, `${at}.name`),
    kind: value.kind,
    created_at: wholeNumber(value.created_at, `${at}.created_at`, 0),
  };
}

function parseRule(value: unknown, at: string): Rule {
  if (!isObject(value)) throw AppError.validation(at, 'must be an object');
  const pattern = typeof value.pattern === 'string' ? value.pattern : null;
  if (pattern === null) throw AppError.validation(`${at}.pattern`, 'must be a string');
  const compiled = compilePattern(pattern);
  if (!compiled.ok)
    throw new AppError(ErrorCode.RuleInvalidPattern, `${at}.pattern: ${compiled.error}`, {
      field: `${at}.pattern`,
    });
  if (!isOneOf(RULE_SEVERITIES, value.severity))
    throw AppError.validation(`${at}.severity`, `must be one of ${RULE_SEVERITIES.join(', ')}`);
  if (!isOneOf(RULE_STREAMS, value.stream))
    throw AppError.validation(`${at}.stream`, `must be one of ${RULE_STREAMS.join(', ')}`);
  if (!isOneOf(RULE_SCOPES, value.scope))
    throw AppError.validation(`${at}.scope`, `must be one of ${RULE_SCOPES.join(', ')}`);
  if (typeof value.enabled !== 'boolean')
    throw AppError.validation(`${at}.enabled`, 'must be a boolean');
  const workload_id = nullable(value.workload_id, (v) => text(v, `${at}.workload_id`));
  if ((value.scope === 'workload') !== (workload_id !== null))
    throw AppError.validation(`${at}.workload_id`, 'is set exactly for a workload rule');
  return {
    id: wholeNumber(value.id, `${at}.id`, 1),
    name: text(value.name, `${at}.name`),
    pattern,
    severity: value.severity,
    stream: value.stream,
    cooldown_seconds: wholeNumber(value.cooldown_seconds, `${at}.cooldown_seconds`, 0),
    enabled: value.enabled,
    condition: within(at, () => parseCondition(value.condition)),
    scope: value.scope,
    workload_id,
    overrides_rule_id: nullable(value.overrides_rule_id, (v) =>
      wholeNumber(v, `${at}.overrides_rule_id`, 1),
    ),
    resolve_after_seconds: nullable(value.resolve_after_seconds, (v) =>
      wholeNumber(v, `${at}.resolve_after_seconds`, 1),
    ),
    context: within(at, () => parseContext(value.context, CONTEXT_DEFAULTS)),
    created_at: wholeNumber(value.created_at, `${at}.created_at`, 0),
    updated_at: wholeNumber(value.updated_at, `${at}.updated_at`, 0),
  };
}

/** The rules' own parsers name fields from the rule (`condition.type`): prefix its place. */
function within<T>(at: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!isAppError(err) || !err.field) throw err;
    const reason = err.message.slice(err.field.length + 2);
    throw AppError.validation(`${at}.${err.field}`, reason);
  }
}
