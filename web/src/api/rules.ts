import { http, query, type Page } from './client';
import type { Rule, RuleTestResult } from './types';

/** What the editor sends; the server checks values and names the field that is wrong. */
export type RuleInput = Partial<
  Pick<
    Rule,
    | 'name'
    | 'pattern'
    | 'severity'
    | 'stream'
    | 'cooldown_seconds'
    | 'enabled'
    | 'condition'
    | 'scope'
    | 'workload_id'
    | 'overrides_rule_id'
    | 'resolve_after_seconds'
  >
> & { context?: Partial<Rule['context']> };

export const rulesApi = {
  list: (filter: { scope?: 'global' | 'workload'; workload?: string; enabled?: boolean } = {}) =>
    http.get<Page<Rule>>(`/api/rules${query(filter)}`),
  get: (id: number) => http.get<Rule>(`/api/rules/${id}`),
  create: (input: RuleInput) => http.post<Rule>('/api/rules', input),
  update: (id: number, input: RuleInput) => http.patch<Rule>(`/api/rules/${id}`, input),
  delete: (id: number) => http.delete(`/api/rules/${id}`),
  test: (input: { pattern: string; sample_line: string }, signal?: AbortSignal) =>
    http.post<RuleTestResult>('/api/rules/test', input, { signal }),
};
