import { Type, type Static } from '@sinclair/typebox';
import { EVENT_SOURCES, MAX_PAGE, SEVERITIES } from '../../events/model.js';
import { errors } from './errors.js';
import { ContainerRef, CursorPage, Enum, FreeForm, IsoTime, Nullable } from './shapes.js';

export const Severity = Enum(SEVERITIES, { description: 'info < warn < error < critical' });
export type Severity = Static<typeof Severity>;

export const EventSource = Enum(EVENT_SOURCES, {
  description: 'Who recorded the event: a rule hit (logscan), Docker, or Logwarden itself.',
});
export type EventSource = Static<typeof EventSource>;

export const LogEvent = Type.Object({
  id: Type.Integer({ description: 'Grows with every event: the cursor of pages and streams.' }),
  created_at: IsoTime(),
  source: EventSource,
  severity: Severity,
  message: Type.String({ description: 'At most 500 bytes, cut with `…`.' }),
  metadata: FreeForm(
    Type.Unknown(),
    'A rule hit: workload_id, container_id, rule_id, rule_name, stream, captures; a Docker event: what it carried.',
  ),
  workload_id: Nullable(Type.String()),
  container_id: Nullable(Type.String()),
  rule_id: Nullable(Type.Integer()),
  incident_id: Nullable(
    Type.Integer({ description: 'The incident the event opened, joined or resolved.' }),
  ),
  silenced_by: Nullable(
    Type.Integer({
      description:
        'The silence that matched the event when it was recorded: it notified nobody. Null when not silenced.',
    }),
  ),
  // A response only (never validated input): anyOf with null serialises as it should.
  host_id: Nullable(
    Type.String({
      description:
        "The agent's host the event happened on (scale-out); null: the serving process's own engine.",
    }),
  ),
  context: Type.Optional(
    Type.Union(
      [
        Type.Object({
          before: Type.Array(Type.String()),
          after: Type.Array(Type.String()),
        }),
        Type.Null(),
      ],
      {
        description:
          "A rule hit's log lines around it, oldest first: before the hit's line (the message) and after it (the rest of its multi-line record, then what followed). Null for other events. Left out for principals who may not read logs.",
      },
    ),
  ),
});
export type LogEvent = Static<typeof LogEvent>;

export const EventId = Type.Integer({ minimum: 0 });

/** The filters the event log and the live stream share. */
export const EventFilterQuery = {
  source: Type.Optional(
    Type.String({
      description: `${EVENT_SOURCES.join(', ')}; several comma-separated (any of them).`,
    }),
  ),
  severity: Type.Optional(Enum(SEVERITIES, { description: 'This severity or worse.' })),
  workload: Type.Optional(Type.String({ minLength: 1 })),
  container: Type.Optional(
    ContainerRef({ description: 'Events of this container (unknown: 404)' }),
  ),
  rule: Type.Optional(EventId),
  host: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        'Events of this host (an agent\'s host id; `local`: the serving process\'s own engine); several comma-separated (any of them).',
    }),
  ),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'A substring of the message.' }),
  ),
};

const Time = (description: string) =>
  Type.Optional(
    Type.String({ description: `${description}: ISO 8601 or milliseconds since the epoch.` }),
  );

export const EventQuery = Type.Object(
  {
    ...EventFilterQuery,
    since: Time('From this time on'),
    until: Time('Before this time'),
    incident: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The events of this incident.' }),
    ),
    before: Type.Optional(EventId),
    after: Type.Optional(EventId),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  },
  { additionalProperties: false },
);
export type EventQuery = Static<typeof EventQuery>;

export const EventPage = CursorPage(LogEvent);

const tags = ['events'];

export const EventsApi = {
  list: {
    tags,
    summary: 'Events, newest first',
    description:
      'Filters AND together. `before` pages back from the previous `next`; `after` pages forward (oldest first).',
    querystring: EventQuery,
    response: { 200: EventPage, ...errors(400, 404) },
  },
  get: {
    tags,
    summary: 'One event',
    params: Type.Object({ id: EventId }),
    response: { 200: LogEvent, ...errors(404) },
  },
};
