import { describe, expect, it } from 'vitest';
import type { Rule } from '../../api/types';
import { EMPTY_DRAFT, inputOf, overrideDraft } from './rule-draft';

const global: Rule = {
  id: 4,
  name: 'errors',
  pattern: 'ERROR',
  severity: 'error',
  stream: 'both',
  cooldown_seconds: 30,
  enabled: true,
  condition: { type: 'line' },
  scope: 'global',
  workload_id: null,
  overrides_rule_id: null,
  resolve_after_seconds: null,
  context: { before: 5, after: 10, multiline: true },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('rule drafts', () => {
  it('a global rule has no workload and overrides nothing, whatever the form held', () => {
    const input = inputOf({
      ...EMPTY_DRAFT,
      name: 'x',
      pattern: 'x',
      workload_id: 'shop',
      overrides_rule_id: '4',
    });
    expect(input).toMatchObject({
      scope: 'global',
      workload_id: null,
      overrides_rule_id: null,
      cooldown_seconds: 60,
    });
  });

  it('an override starts as a copy of the global rule in the workload', () => {
    const draft = overrideDraft(global, 'shop');
    expect(inputOf(draft)).toMatchObject({
      name: 'errors',
      pattern: 'ERROR',
      scope: 'workload',
      workload_id: 'shop',
      overrides_rule_id: 4,
      cooldown_seconds: 30,
    });
  });

  it('sends resolve_after_seconds as typed, null when left empty (the default)', () => {
    expect(inputOf(EMPTY_DRAFT).resolve_after_seconds).toBeNull();
    expect(inputOf({ ...EMPTY_DRAFT, resolve_after_seconds: '120' }).resolve_after_seconds).toBe(
      120,
    );
    expect(inputOf({ ...EMPTY_DRAFT, resolve_after_seconds: 'soon' }).resolve_after_seconds).toBe(
      'soon',
    );
  });

  it('sends the context as typed; 0, 0 and off keeps none', () => {
    expect(inputOf(EMPTY_DRAFT).context).toEqual({ before: 5, after: 10, multiline: true });
    const off = {
      ...EMPTY_DRAFT,
      context_before: '0',
      context_after: '0',
      context_multiline: false,
    };
    expect(inputOf(off).context).toEqual({ before: 0, after: 0, multiline: false });
    expect(inputOf({ ...EMPTY_DRAFT, context_after: 'lots' }).context?.after).toBe('lots');
  });

  it('passes a cooldown that is not a number through, for the server to name the field', () => {
    expect(inputOf({ ...EMPTY_DRAFT, cooldown_seconds: 'soon' }).cooldown_seconds).toBe('soon');
  });

  it('sends only the fields of the chosen condition', () => {
    const base = { ...EMPTY_DRAFT, name: 'x', pattern: 'from (?P<ip>\\S+)' };
    expect(inputOf(base).condition).toEqual({ type: 'line' });
    expect(
      inputOf({
        ...base,
        condition_type: 'count',
        threshold: '5',
        window_seconds: '10',
        group_by: 'capture:ip',
      }).condition,
    ).toEqual({ type: 'count', threshold: 5, window_seconds: 10, group_by: 'capture:ip' });
    expect(
      inputOf({ ...base, condition_type: 'absence', window_seconds: '300' }).condition,
    ).toEqual({ type: 'absence', window_seconds: 300 });
    // Not a number: sent as it is, for the server to name condition.threshold.
    const odd = inputOf({ ...base, condition_type: 'count', threshold: 'many' }).condition;
    expect(odd).toMatchObject({ threshold: 'many' });
  });
});
