import { AppError } from '../errors.js';
import type { CompiledPattern } from './compile.js';
import {
  CONDITION_TYPES,
  LINE_CONDITION,
  MAX_ABSENCE_WINDOW_SECONDS,
  MAX_COUNT_THRESHOLD,
  MAX_COUNT_WINDOW_SECONDS,
  MIN_CONDITION_WINDOW_SECONDS,
  type CountGroupBy,
  type RuleCondition,
} from './model.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw AppError.validation(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

function noOtherKeys(input: Record<string, unknown>, allowed: readonly string[], why: string) {
  for (const key of Object.keys(input))
    if (!allowed.includes(key)) throw AppError.validation(`condition.${key}`, why);
}

const CAPTURE_PREFIX = 'capture:';

/**
 * Checks the shape and bounds of a condition as sent; whether a `capture:<name>` names a
 * group of the pattern is checkConditionPattern's, since the pattern may come from the
 * stored rule. Errors name the field (`condition.threshold`).
 */
export function parseCondition(input: unknown): RuleCondition {
  if (!isObject(input)) throw AppError.validation('condition', 'must be an object with a type');
  const type = input.type ?? 'line';
  if (typeof type !== 'string' || !(CONDITION_TYPES as readonly string[]).includes(type))
    throw AppError.validation('condition.type', `must be one of ${CONDITION_TYPES.join(', ')}`);
  if (type === 'line') {
    noOtherKeys(input, ['type'], 'is not a field of a line condition');
    return LINE_CONDITION;
  }
  if (type === 'absence') {
    // A cooldown is ignored (an absence fires once until its line returns); grouping
    // is by container, or by workload for a workload rule: nothing to choose.
    noOtherKeys(
      input,
      ['type', 'window_seconds'],
      'is not a field of an absence condition (it groups by container, or by workload for a workload rule)',
    );
    return {
      type: 'absence',
      window_seconds: wholeNumber(
        input.window_seconds,
        'condition.window_seconds',
        MIN_CONDITION_WINDOW_SECONDS,
        MAX_ABSENCE_WINDOW_SECONDS,
      ),
    };
  }
  noOtherKeys(
    input,
    ['type', 'threshold', 'window_seconds', 'group_by'],
    'is not a field of a count condition',
  );
  const threshold = wholeNumber(input.threshold, 'condition.threshold', 1, MAX_COUNT_THRESHOLD);
  const window_seconds = wholeNumber(
    input.window_seconds,
    'condition.window_seconds',
    MIN_CONDITION_WINDOW_SECONDS,
    MAX_COUNT_WINDOW_SECONDS,
  );
  const groupBy = input.group_by ?? 'container';
  if (
    typeof groupBy !== 'string' ||
    !(
      groupBy === 'container' ||
      groupBy === 'workload' ||
      (groupBy.startsWith(CAPTURE_PREFIX) && groupBy.length > CAPTURE_PREFIX.length)
    )
  )
    throw AppError.validation(
      'condition.group_by',
      'must be container, workload or capture:<name of a named group of the pattern>',
    );
  return { type: 'count', threshold, window_seconds, group_by: groupBy as CountGroupBy };
}

/** The capture group a count condition groups by, or null. */
export function groupCapture(condition: RuleCondition): string | null {
  if (condition.type !== 'count' || !condition.group_by.startsWith(CAPTURE_PREFIX)) return null;
  return condition.group_by.slice(CAPTURE_PREFIX.length);
}

/** A `capture:<name>` condition must name a named group of the rule's pattern. */
export function checkConditionPattern(condition: RuleCondition, pattern: CompiledPattern): void {
  const name = groupCapture(condition);
  if (name === null) return;
  if (!pattern.groupNames.includes(name))
    throw AppError.validation(
      'condition.group_by',
      `the pattern has no named group "${name}" (write it as (?P<${name}>…))`,
    );
}

/** A stored condition (JSON text); anything unreadable is reported, never guessed. */
export function conditionFromText(text: string | null | undefined): RuleCondition {
  if (text === null || text === undefined || text === '') return LINE_CONDITION;
  return parseCondition(JSON.parse(text) as unknown);
}

export function conditionToText(condition: RuleCondition): string {
  return JSON.stringify(condition);
}

export function sameCondition(a: RuleCondition, b: RuleCondition): boolean {
  return conditionToText(a) === conditionToText(b);
}
