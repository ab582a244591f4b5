import { Type, type Static } from '@sinclair/typebox';
import {
  CONDITION_TYPES,
  MAX_ABSENCE_WINDOW_SECONDS,
  MAX_COUNT_THRESHOLD,
  MAX_COUNT_WINDOW_SECONDS,
  MAX_CONTEXT_AFTER,
  MAX_CONTEXT_BEFORE,
  RULE_SCOPES,
  RULE_STREAMS,
} from '../../rules/model.js';
import { errors } from './errors.js';
import { Severity } from './events.js';
import { NameParam } from './inventory.js';
import { Enum, FreeForm, IdParam, IsoTime, NoContent, Nullable, Page } from './shapes.js';

export const RuleStream = Enum(RULE_STREAMS);
export type RuleStream = Static<typeof RuleStream>;
export const RuleScope = Enum(RULE_SCOPES);

const conditionFields = {
  threshold: Type.Optional(
    Type.Integer({
      description: `count: at least this many matching lines (1 to ${MAX_COUNT_THRESHOLD})…`,
    }),
  ),
  window_seconds: Type.Optional(
    Type.Integer({
      description: `count: …within this many seconds (1 to ${MAX_COUNT_WINDOW_SECONDS}); absence: no matching line for this long (1 to ${MAX_ABSENCE_WINDOW_SECONDS}).`,
    }),
  ),
  group_by: Type.Optional(
    Type.String({
      description:
        'count: counted per `container` (default), `workload`, or `capture:<name>` (a named group of the pattern).',
    }),
  ),
};

export const RuleCondition = Type.Object(
  { type: Enum(CONDITION_TYPES), ...conditionFields },
  {
    description:
      'What fires the rule: every matching line (`line`, the default), at least `threshold` matches within `window_seconds` per group key (`count`), or no match for `window_seconds` (`absence`). See docs/alerts.md.',
  },
);
export type RuleCondition = Static<typeof RuleCondition>;

export const Rule = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  pattern: Type.String({ description: 'RE2 syntax; named groups as (?P<name>…) or (?<name>…).' }),
  severity: Severity,
  stream: RuleStream,
  cooldown_seconds: Type.Integer(),
  enabled: Type.Boolean(),
  condition: RuleCondition,
  scope: RuleScope,
  workload_id: Nullable(Type.String({ description: 'Set exactly when scope is workload.' })),
  overrides_rule_id: Nullable(
    Type.Integer({ description: 'The global rule this workload rule replaces for its workload.' }),
  ),
  resolve_after_seconds: Nullable(
    Type.Integer({
      description:
        'An incident of this rule resolves after this many seconds without a new hit; null: the configured default (incidents.resolve_after_seconds).',
    }),
  ),
  context: Type.Object(
    {
      before: Type.Integer({
        minimum: 0,
        maximum: MAX_CONTEXT_BEFORE,
        description: 'Lines kept before a hit (same container, both streams).',
      }),
      after: Type.Integer({
        minimum: 0,
        maximum: MAX_CONTEXT_AFTER,
        description: 'Lines kept after a hit (same container, both streams).',
      }),
      multiline: Type.Boolean({
        description:
          "Keep the rest of the hit's multi-line record (a stack trace) too, even beyond `after`.",
      }),
    },
    { description: 'The lines each hit keeps around it; 0, 0 and false keep none.' },
  ),
  created_at: IsoTime(),
  updated_at: IsoTime(),
});
export type Rule = Static<typeof Rule>;

export const EffectiveRule = Type.Composite([
  Rule,
  Type.Object({ source: Enum(['global', 'workload', 'override'] as const) }),
]);
export type EffectiveRule = Static<typeof EffectiveRule>;

export const RuleTestResult = Type.Object({
  matched: Type.Boolean(),
  captures: FreeForm(Type.String(), 'By group name, or `$N` for an unnamed group.'),
});
export type RuleTestResult = Static<typeof RuleTestResult>;

// A type list, not anyOf: with type coercion on, anyOf would turn null into "".
const StringOrNull = Nullable(Type.String());
const IdOrNull = Nullable(Type.Integer());

/** Types only; the service checks values and says which field is wrong and why. */
export const RuleBody = Type.Object(
  {
    name: Type.Optional(Type.String()),
    pattern: Type.Optional(Type.String()),
    severity: Type.Optional(Type.String()),
    stream: Type.Optional(Type.String()),
    cooldown_seconds: Type.Optional(Type.Integer()),
    enabled: Type.Optional(Type.Boolean()),
    condition: Type.Optional(
      Type.Object(
        { type: Type.Optional(Type.String()), ...conditionFields },
        { additionalProperties: false },
      ),
    ),
    scope: Type.Optional(Type.String()),
    workload_id: Type.Optional(StringOrNull),
    overrides_rule_id: Type.Optional(IdOrNull),
    resolve_after_seconds: Type.Optional(IdOrNull),
    context: Type.Optional(
      Type.Object(
        {
          before: Type.Optional(Type.Integer()),
          after: Type.Optional(Type.Integer()),
          multiline: Type.Optional(Type.Boolean()),
        },
        {
          description:
            'Fields sent change, the others stay (defaults: before 5, after 10, multiline true).',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const RuleQuery = Type.Object(
  {
    scope: Type.Optional(RuleScope),
    workload: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RuleTestBody = Type.Object(
  {
    pattern: Type.Optional(Type.String()),
    rule_id: Type.Optional(Type.Integer({ minimum: 1 })),
    sample_line: Type.String(),
  },
  { additionalProperties: false },
);

const tags = ['rules'];

export const RulesApi = {
  list: {
    tags,
    summary: 'Rules',
    querystring: RuleQuery,
    response: { 200: Page(Rule) },
  },
  get: { tags, summary: 'One rule', params: IdParam, response: { 200: Rule, ...errors(404) } },
  create: {
    tags,
    summary: 'Add a rule',
    description: 'Missing fields take their defaults (severity warn, stream both, cooldown 60 s).',
    body: RuleBody,
    response: { 201: Rule, ...errors(400, 404, 409) },
  },
  update: {
    tags,
    summary: 'Change a rule',
    description: 'Changes only the fields sent.',
    params: IdParam,
    body: RuleBody,
    response: { 200: Rule, ...errors(400, 404, 409) },
  },
  delete: {
    tags,
    summary: 'Delete a rule (a global one with its overrides)',
    params: IdParam,
    response: { 204: NoContent, ...errors(404) },
  },
  test: {
    tags,
    summary: 'Try a pattern (or a stored rule) on a sample line',
    body: RuleTestBody,
    response: { 200: RuleTestResult, ...errors(400, 404) },
  },
  effective: {
    tags: ['rules', 'workloads'],
    summary: "A workload's effective rules",
    params: NameParam,
    response: {
      200: Type.Object({
        workload_id: Type.String(),
        items: Type.Array(EffectiveRule),
        next: Type.Null(),
      }),
      ...errors(404),
    },
  },
};
