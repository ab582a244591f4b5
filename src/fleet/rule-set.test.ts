import { describe, expect, it } from 'vitest';
import { ruleRecord } from '../../test/support/fixtures.js';
import { encodeRuleSet, parseRuleSet, ruleSetRevision, type RuleSetValue } from './rule-set.js';

const SHOP = { id: 'shop', name: 'Shop', kind: 'custom' as const, created_at: 1 };

function value(over: Partial<RuleSetValue> = {}): RuleSetValue {
  return {
    revision: 3,
    published_at: 1_000,
    rules: [
      ruleRecord(1),
      ruleRecord(2, { scope: 'workload', workload_id: 'shop', overrides_rule_id: 1 }),
      ruleRecord(3, {
        pattern: 'from (?P<ip>[0-9.]+)',
        condition: { type: 'count', threshold: 5, window_seconds: 10, group_by: 'capture:ip' },
      }),
    ],
    workloads: [SHOP],
    ...over,
  };
}

const raw = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

function refusal(data: Uint8Array): { code: string; field: string } {
  try {
    parseRuleSet(data);
  } catch (err) {
    return err as { code: string; field: string };
  }
  throw new Error('expected the set to be refused');
}

describe('rule set value', () => {
  it('reads back what was published', () => {
    expect(parseRuleSet(encodeRuleSet(value()))).toEqual(value());
    expect(ruleSetRevision(encodeRuleSet(value({ revision: 9 })))).toBe(9);
    expect(ruleSetRevision(new TextEncoder().encode('nope'))).toBeNull();
  });

  it('refuses the whole set for one problem, naming the field', () => {
    expect(refusal(new TextEncoder().encode('{'))).toMatchObject({ field: 'value' });
    expect(refusal(raw([]))).toMatchObject({ field: 'value' });
    expect(refusal(raw({ ...value(), revision: -1 }))).toMatchObject({ field: 'revision' });
    expect(refusal(raw({ ...value(), rules: {} }))).toMatchObject({ field: 'rules' });
    const rules = value().rules;
    const withRule = (i: number, over: Record<string, unknown>) =>
      raw({ ...value(), rules: rules.map((r, j) => (j === i ? { ...r, ...over } : r)) });
    expect(refusal(withRule(1, { pattern: '(a' }))).toMatchObject({
      code: 'RULE_INVALID_PATTERN',
      field: 'rules[1].pattern',
    });
    // RE2 refuses what other engines take: a backreference.
    expect(refusal(withRule(0, { pattern: '(a)\\1' }))).toMatchObject({
      field: 'rules[0].pattern',
    });
    expect(refusal(withRule(0, { severity: 'loud' }))).toMatchObject({
      field: 'rules[0].severity',
    });
    expect(refusal(withRule(2, { condition: { type: 'count', threshold: 0 } }))).toMatchObject({
      field: 'rules[2].condition.threshold',
    });
    expect(refusal(withRule(0, { context: { before: -1 } }))).toMatchObject({
      field: 'rules[0].context.before',
    });
    expect(refusal(withRule(1, { workload_id: 'blog' }))).toMatchObject({
      field: 'rules[1].workload_id',
    });
    expect(refusal(withRule(1, { overrides_rule_id: 99 }))).toMatchObject({
      field: 'rules[1].overrides_rule_id',
    });
    expect(refusal(withRule(1, { id: 1 }))).toMatchObject({ field: 'rules' });
    expect(refusal(raw({ ...value(), workloads: [{ ...SHOP, kind: 'vm' }] }))).toMatchObject({
      field: 'workloads[0].kind',
    });
  });
});
