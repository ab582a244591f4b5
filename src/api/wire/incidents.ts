import { Type, type Static } from '@sinclair/typebox';
import {
  INCIDENT_STATES,
  MAX_INCIDENT_PAGE,
  RESOLVE_REASONS,
  type ResolveReason,
} from '../../incidents/model.js';
import { errors } from './errors.js';
import { EventSource, LogEvent, Severity } from './events.js';
import { ContainerRef, CursorPage, Enum, IdParam, IsoTime, Nullable } from './shapes.js';

export const IncidentState = Enum(INCIDENT_STATES, {
  description: 'open until it resolves: quiet for its resolve_after, or cleared by an event.',
});

export const Incident = Type.Object({
  id: Type.Integer(),
  key: Type.String({
    description:
      'What its events share: `rule:<rule_id>:<group>` for rule hits, `crash:<container>` (crashes and restart loops), `oom:`, `unhealthy:`, `missing:` for Docker events.',
  }),
  state: IncidentState,
  source: EventSource,
  severity: Severity,
  rule_id: Nullable(Type.Integer()),
  container_id: Nullable(Type.String()),
  workload_id: Nullable(Type.String()),
  host_id: Nullable(
    Type.String({
      description:
        "The host of the event that opened it (scale-out); null: the serving process's own engine.",
    }),
  ),
  count: Type.Integer({ description: 'Its events (the one that cleared it not included).' }),
  first_seen: IsoTime(),
  last_seen: IsoTime(),
  first_event_id: Type.Integer(),
  last_event_id: Type.Integer(),
  last_message: Type.String({ description: 'The latest event’s message.' }),
  resolve_after_seconds: Type.Integer({
    description: 'Quiet for this long, it resolves (fixed when it opened).',
  }),
  resolved_at: Nullable(IsoTime()),
  resolve_reason: Type.Unsafe<ResolveReason | null>({
    type: ['string', 'null'],
    enum: [...RESOLVE_REASONS, null],
    description: 'quiet: nothing came for resolve_after_seconds; cleared: an event said so.',
  }),
  resolved_by_event_id: Nullable(Type.Integer()),
  duration_seconds: Type.Integer({
    description: 'first_seen → resolved_at, or → now while open.',
  }),
});
export type Incident = Static<typeof Incident>;

export const IncidentDetail = Type.Composite([
  Incident,
  Type.Object({
    events: Type.Array(LogEvent, { description: 'Its latest events, newest first (at most 50).' }),
  }),
]);
export type IncidentDetail = Static<typeof IncidentDetail>;

const Time = (description: string) =>
  Type.Optional(
    Type.String({ description: `${description}: ISO 8601 or milliseconds since the epoch.` }),
  );

export const IncidentQuery = Type.Object(
  {
    state: Type.Optional(IncidentState),
    rule: Type.Optional(Type.Integer({ minimum: 1 })),
    container: Type.Optional(ContainerRef({ description: 'Incidents of this container' })),
    workload: Type.Optional(Type.String({ minLength: 1 })),
    since: Time('Last seen at or after this time'),
    until: Time('First seen before this time'),
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INCIDENT_PAGE })),
  },
  { additionalProperties: false },
);

const tags = ['incidents'];

export const IncidentsApi = {
  list: {
    tags,
    summary: 'Incidents, newest first',
    description: 'Filters AND together. `before` pages back from the previous `next`.',
    querystring: IncidentQuery,
    response: { 200: CursorPage(Incident), ...errors(400, 404) },
  },
  get: {
    tags,
    summary: 'One incident, with its latest events',
    params: IdParam,
    response: { 200: IncidentDetail, ...errors(404) },
  },
};
