import { Type, type Static } from '@sinclair/typebox';
import { MAX_SILENCE_PAGE, SILENCE_STATES, WEEKDAYS } from '../../incidents/silence-model.js';
import { errors } from './errors.js';
import { Severity } from './events.js';
import { CursorPage, Enum, IdParam, IsoTime, Nullable } from './shapes.js';

export const SilenceState = Enum(SILENCE_STATES, {
  description:
    'pending: starts later; active: between starts_at and ends_at (with a schedule, it silences only within its windows); expired: ended.',
});
export type SilenceState = Static<typeof SilenceState>;

const RuleRef = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ minLength: 1 })], {
  description: 'A rule id or a rule name.',
});

export const SilenceMatchers = Type.Object(
  {
    rules: Type.Array(RuleRef, { description: 'Rule ids or names (any of them).' }),
    containers: Type.Array(Type.String(), {
      description: 'Globs (`*`, `?`, case-insensitive) over the container name or id.',
    }),
    workloads: Type.Array(Type.String(), {
      description: 'Globs over the workload id or name.',
    }),
    hosts: Type.Array(Type.String(), {
      description: "Globs over the event's host (this server's name for local events).",
    }),
    severities: Type.Array(Severity),
    message_regex: Type.String({ description: 'RE2 over the message; "" for none.' }),
  },
  {
    description:
      'Every non-empty matcher must match (AND); within a list any entry matches (OR). At least one is required.',
  },
);

export const SilenceSchedule = Type.Object(
  {
    days: Type.Array(Enum(WEEKDAYS)),
    start: Type.String({ description: 'HH:MM, wall-clock time in `timezone`.' }),
    duration_minutes: Type.Integer({ minimum: 1, maximum: 1440 }),
    timezone: Type.String({ description: 'An IANA time zone (default UTC).' }),
  },
  {
    description:
      'A recurring maintenance window: the silence silences only within these windows, between starts_at and ends_at.',
  },
);

export const Silence = Type.Object({
  id: Type.Integer(),
  state: SilenceState,
  matchers: SilenceMatchers,
  starts_at: IsoTime(),
  ends_at: IsoTime(),
  comment: Type.String(),
  author: Type.String({ description: 'Who made it.' }),
  schedule: Type.Union([SilenceSchedule, Type.Null()]),
  ended_by: Nullable(Type.String({ description: 'Who ended it early; null otherwise.' })),
  created_at: IsoTime(),
  updated_at: IsoTime(),
});
export type Silence = Static<typeof Silence>;

const MatchersBody = Type.Object(
  {
    rules: Type.Optional(Type.Array(Type.Union([Type.Integer(), Type.String()]))),
    containers: Type.Optional(Type.Array(Type.String())),
    workloads: Type.Optional(Type.Array(Type.String())),
    hosts: Type.Optional(Type.Array(Type.String())),
    severities: Type.Optional(Type.Array(Type.String())),
    message_regex: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const SilenceBody = Type.Object(
  {
    matchers: MatchersBody,
    starts_at: Type.Optional(Type.String({ description: 'ISO 8601; default now.' })),
    ends_at: Type.String({ description: 'ISO 8601, after starts_at, at most 366 days later.' }),
    comment: Type.String({ description: 'Why (required).' }),
    schedule: Type.Optional(
      Type.Union([
        Type.Object(
          {
            days: Type.Optional(Type.Array(Type.String())),
            start: Type.Optional(Type.String()),
            duration_minutes: Type.Optional(Type.Integer()),
            timezone: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type SilenceBody = Static<typeof SilenceBody>;

export const SilenceQuery = Type.Object(
  {
    state: Type.Optional(SilenceState),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SILENCE_PAGE })),
  },
  { additionalProperties: false },
);

const tags = ['silences'];

export const SilencesApi = {
  list: {
    tags,
    summary: 'Silences, newest first',
    querystring: SilenceQuery,
    response: { 200: CursorPage(Silence) },
  },
  get: {
    tags,
    summary: 'One silence',
    params: IdParam,
    response: { 200: Silence, ...errors(404) },
  },
  create: {
    tags,
    summary: 'Add a silence',
    description:
      'Events it matches are still recorded (marked `silenced_by`) but notify nobody. The author is who sends it.',
    body: SilenceBody,
    response: { 201: Silence, ...errors(400, 409) },
  },
  end: {
    tags,
    summary: 'End a silence now',
    description:
      'Sets ends_at to now and keeps the silence (expired) for silences.retention_days. Ending one already ended changes nothing.',
    params: IdParam,
    response: { 200: Silence, ...errors(404) },
  },
};
