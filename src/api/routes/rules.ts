import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type {
  EffectiveRule,
  Rule,
  RuleFilter,
  RuleInput,
  RuleTestInput,
  RuleTestResult,
} from '../../rules/index.js';
import { noteChange } from '../journal-hook.js';

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

const iso = (ms: number) => new Date(ms).toISOString();

export function ruleJson(rule: Rule) {
  return { ...rule, created_at: iso(rule.created_at), updated_at: iso(rule.updated_at) };
}

export function effectiveRuleJson(rule: EffectiveRule) {
  return { ...ruleJson(rule), source: rule.source };
}

// A type list, not anyOf: with type coercion on, anyOf would turn null into "".
const StringOrNull = Type.Unsafe<string | null>({ type: ['string', 'null'] });
const IdOrNull = Type.Unsafe<number | null>({ type: ['integer', 'null'] });

/** Types only; the service checks values and says which field is wrong and why. */
const RuleBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    pattern: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
    stream: Type.Optional(Type.String()),
    cooldown_seconds: Type.Optional(Type.Integer()),
    enabled: Type.Optional(Type.Boolean()),
    scope: Type.Optional(Type.String()),
    workload_id: Type.Optional(StringOrNull),
    overrides_rule_id: Type.Optional(IdOrNull),
  },
  { additionalProperties: false },
);

const RuleQuery = Type.Object(
  {
    scope: Type.Optional(Type.Union([Type.Literal('global'), Type.Literal('workload')])),
    workload: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const TestBody = Type.Object(
  {
    pattern: Type.Optional(Type.String()),
    rule_id: Type.Optional(Type.Integer({ minimum: 1 })),
    sample_line: Type.String(),
  },
  { additionalProperties: false },
);

const RuleIdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const WorkloadIdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export function rulesRoutes(deps: RulesApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/rules', { schema: { querystring: RuleQuery } }, async (request) => {
      const { scope, workload, enabled } = request.query;
      const items = await deps.rules.list({ scope, workload_id: workload, enabled });
      return { items: items.map(ruleJson), next: null };
    });

    app.get('/api/rules/:id', { schema: { params: RuleIdParam } }, async (request) =>
      ruleJson(await deps.rules.get(request.params.id)),
    );

    app.post('/api/rules', { schema: { body: RuleBody } }, async (request, reply) => {
      const rule = ruleJson(await deps.rules.create(request.body));
      noteChange(request, { object: `/api/rules/${rule.id}`, after: rule });
      return reply.status(201).send(rule);
    });

    app.patch(
      '/api/rules/:id',
      { schema: { params: RuleIdParam, body: RuleBody } },
      async (request) => {
        const before = ruleJson(await deps.rules.get(request.params.id));
        const after = ruleJson(await deps.rules.update(request.params.id, request.body));
        noteChange(request, { before, after });
        return after;
      },
    );

    app.delete('/api/rules/:id', { schema: { params: RuleIdParam } }, async (request, reply) => {
      const before = ruleJson(await deps.rules.get(request.params.id));
      await deps.rules.delete(request.params.id);
      noteChange(request, { before });
      return reply.status(204).send();
    });

    app.post('/api/rules/test', { schema: { body: TestBody } }, async (request) =>
      deps.rules.test(request.body),
    );

    app.get(
      '/api/workloads/:id/effective-rules',
      { schema: { params: WorkloadIdParam } },
      async (request) => {
        const items = await deps.rules.effectiveFor(request.params.id);
        return { workload_id: request.params.id, items: items.map(effectiveRuleJson), next: null };
      },
    );
  };
}
