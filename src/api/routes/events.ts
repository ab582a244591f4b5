import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import {
  MAX_PAGE,
  SEVERITIES,
  type EventFilter,
  type EventList,
  type EventPage,
  type EventSource,
  type StoredEvent,
} from '../../events/index.js';

export interface EventsApiDeps {
  events: {
    get(id: number): Promise<StoredEvent>;
    list(filter: EventFilter, page: EventPage): Promise<EventList>;
  };
}

const SOURCES: readonly EventSource[] = ['docker', 'logscan', 'system'];

export function eventJson(e: StoredEvent) {
  return { ...e, created_at: new Date(e.created_at).toISOString() };
}

/** ISO 8601 or milliseconds since the epoch. */
export function parseTime(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw AppError.validation(field, 'must be an ISO 8601 time or milliseconds since the epoch');
  return ms;
}

export function parseSources(value: string | undefined): EventSource[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const source of list) {
    if (!SOURCES.includes(source as EventSource))
      throw AppError.validation(
        'source',
        `unknown source ${source} (one of ${SOURCES.join(', ')})`,
      );
  }
  return list as EventSource[];
}

const Id = Type.Integer({ minimum: 0 });

const EventQuery = Type.Object(
  {
    source: Type.Optional(Type.String()),
    severity: Type.Optional(Type.Union(SEVERITIES.map((s) => Type.Literal(s)))),
    workload: Type.Optional(Type.String({ minLength: 1 })),
    container: Type.Optional(Type.String({ minLength: 1 })),
    rule: Type.Optional(Id),
    since: Type.Optional(Type.String()),
    until: Type.Optional(Type.String()),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    before: Type.Optional(Id),
    after: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE })),
  },
  { additionalProperties: false },
);

export function eventsRoutes(deps: EventsApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/events', { schema: { querystring: EventQuery } }, async (request) => {
      const q = request.query;
      if (q.before !== undefined && q.after !== undefined)
        throw AppError.validation('after', 'cannot be combined with before');
      const filter: EventFilter = {
        sources: parseSources(q.source),
        min_severity: q.severity,
        workload_id: q.workload,
        container_id: q.container,
        rule_id: q.rule,
        since: parseTime('since', q.since),
        until: parseTime('until', q.until),
        text: q.q,
      };
      const page = await deps.events.list(filter, {
        before: q.before,
        after: q.after,
        limit: q.limit,
      });
      return { items: page.items.map(eventJson), next: page.next };
    });

    app.get('/api/events/:id', { schema: { params: Type.Object({ id: Id }) } }, async (request) =>
      eventJson(await deps.events.get(request.params.id)),
    );
  };
}
