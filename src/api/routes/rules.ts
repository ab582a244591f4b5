import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type {
  EffectiveRule,
  Rule,
  RuleCondition,
  RuleFilter,
  RuleInput,
  RuleTestInput,
  RuleTestResult,
} from '../../rules/index.js';
import { journaled, noteChange, NOT_JOURNALED } from '../journal-hook.js';
import {
  RulesApi,
  type EffectiveRule as EffectiveRuleJson,
  type Rule as RuleJson,
} from '../wire/rules.js';
import { isoTime } from './wire-time.js';
import { journalObject } from '../../audit/index.js';

/** What the routes need from the rules domain (RulesService). */
export interface RulesApiDeps {
  rules: {
    list(filter: RuleFilter): Promise<Rule[]>;
    get(id: number): Promise<Rule>;
    create(input: RuleInput): Promise<Rule>;
    update(id: number, input: RuleInput): Promise<Rule>;
    delete(id: number): Promise<unknown>;
    effectiveFor(workloadId: string): Promise<EffectiveRule[]>;
    test(input: RuleTestInput): Promise<RuleTestResult>;
  };
}

/** A fresh object of the condition's own fields only. */
function conditionJson(condition: RuleCondition): RuleJson['condition'] {
  switch (condition.type) {
    case 'count':
      return {
        type: 'count',
        threshold: condition.threshold,
        window_seconds: condition.window_seconds,
        group_by: condition.group_by,
      };
    case 'absence':
      return { type: 'absence', window_seconds: condition.window_seconds };
    default:
      return { type: 'line' };
  }
}

export function ruleJson(rule: Rule): RuleJson {
  return {
    id: rule.id,
    name: rule.name,
    pattern: rule.pattern,
    severity: rule.severity,
    stream: rule.stream,
    cooldown_seconds: rule.cooldown_seconds,
    enabled: rule.enabled,
    condition: conditionJson(rule.condition),
    scope: rule.scope,
    workload_id: rule.workload_id,
    overrides_rule_id: rule.overrides_rule_id,
    resolve_after_seconds: rule.resolve_after_seconds,
    context: { ...rule.context },
    created_at: isoTime(rule.created_at),
    updated_at: isoTime(rule.updated_at),
  };
}

export function effectiveRuleJson(rule: EffectiveRule): EffectiveRuleJson {
  return { ...ruleJson(rule), source: rule.source };
}

export function rulesRoutes(deps: RulesApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/rules', { schema: RulesApi.list }, async (request) => {
      const { scope, workload, enabled } = request.query;
      const items = await deps.rules.list({ scope, workload_id: workload, enabled });
      return { items: items.map(ruleJson), next: null };
    });

    app.get('/api/rules/:id', { schema: RulesApi.get }, async (request) =>
      ruleJson(await deps.rules.get(request.params.id)),
    );

    app.post(
      '/api/rules',
      { ...journaled('rule.create'), schema: RulesApi.create },
      async (request, reply) => {
        const rule = ruleJson(await deps.rules.create(request.body));
        noteChange(request, { object: journalObject.rule(rule.id), after: rule });
        return reply.status(201).send(rule);
      },
    );

    app.patch(
      '/api/rules/:id',
      { ...journaled('rule.update'), schema: RulesApi.update },
      async (request) => {
        noteChange(request, { object: journalObject.rule(request.params.id) });
        const before = ruleJson(await deps.rules.get(request.params.id));
        const after = ruleJson(await deps.rules.update(request.params.id, request.body));
        noteChange(request, { before, after });
        return after;
      },
    );

    app.delete(
      '/api/rules/:id',
      { ...journaled('rule.delete'), schema: RulesApi.delete },
      async (request, reply) => {
        noteChange(request, { object: journalObject.rule(request.params.id) });
        const before = ruleJson(await deps.rules.get(request.params.id));
        await deps.rules.delete(request.params.id);
        noteChange(request, { before });
        return reply.status(204).send();
      },
    );

    // Trying a pattern changes nothing: not an operation for the journal.
    app.post('/api/rules/test', { ...NOT_JOURNALED, schema: RulesApi.test }, async (request) => {
      const result = await deps.rules.test(request.body);
      return { matched: result.matched, captures: result.captures };
    });

    app.get(
      '/api/workloads/:id/effective-rules',
      { schema: RulesApi.effective },
      async (request) => {
        const items = await deps.rules.effectiveFor(request.params.id);
        return { workload_id: request.params.id, items: items.map(effectiveRuleJson), next: null };
      },
    );
  };
}
