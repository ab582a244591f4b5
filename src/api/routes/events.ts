import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { LOCAL_HOST, isHostId } from '../../nats/subjects.js';
import {
  EVENT_SOURCES,
  type EventFilter,
  type EventList,
  type EventPage,
  type EventSource,
  type StoredEvent,
} from '../../events/index.js';
import type { Principal } from '../../auth/principal.js';
import { mayReadLogs, type AccessPolicy } from '../access-guard.js';
import { EventsApi, type LogEvent } from '../wire/events.js';
import { containerIdFilter, type ContainerFinder } from './container-ref.js';
import { isoTime } from './wire-time.js';

export interface EventsApiDeps {
  events: {
    get(id: number): Promise<StoredEvent>;
    list(filter: EventFilter, page: EventPage): Promise<EventList>;
  };
  /** Turns `?container=` (a prefix or a name) into the id the events carry. */
  containers: ContainerFinder;
  /** Whether viewers may read logs: a crash event's last lines are log lines. */
  policy: AccessPolicy;
}

export function eventJson(e: StoredEvent): LogEvent {
  return {
    id: e.id,
    created_at: isoTime(e.created_at),
    source: e.source,
    severity: e.severity,
    message: e.message,
    metadata: e.metadata,
    workload_id: e.workload_id,
    container_id: e.container_id,
    rule_id: e.rule_id,
    incident_id: e.incident_id,
    silenced_by: e.silenced_by,
    host_id: e.host_id,
    context: e.context,
  };
}

/**
 * An event as `who` may see it: without the log lines it carries (a crash's last lines,
 * a hit's context) when they may not read logs.
 */
export function eventFor(who: Principal | null, policy: AccessPolicy) {
  const mayRead = who !== null && mayReadLogs(who, policy);
  return (e: StoredEvent): LogEvent => {
    const json = eventJson(e);
    if (mayRead) return json;
    const { context: _withheldContext, ...rest } = json;
    if (rest.metadata?.last_lines === undefined) return rest;
    const { last_lines: _withheld, ...metadata } = rest.metadata;
    return { ...rest, metadata };
  };
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
    if (!(EVENT_SOURCES as readonly string[]).includes(source))
      throw AppError.validation(
        'source',
        `unknown source ${source} (one of ${EVENT_SOURCES.join(', ')})`,
      );
  }
  return list as EventSource[];
}

/** `?host=`: host ids, comma-separated; `local` (null) is the serving process's own engine. */
export function parseHosts(value: string | undefined): (string | null)[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.map((host) => {
    if (host === LOCAL_HOST) return null;
    if (!isHostId(host))
      throw AppError.validation(
        'host',
        `not a host id: ${JSON.stringify(host.slice(0, 80))} (lowercase letters, digits, - and _; or ${LOCAL_HOST})`,
      );
    return host;
  });
}

export function eventsRoutes(deps: EventsApiDeps) {
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/api/events', { schema: EventsApi.list }, async (request) => {
      const q = request.query;
      if (q.before !== undefined && q.after !== undefined)
        throw AppError.validation('after', 'cannot be combined with before');
      const filter: EventFilter = {
        sources: parseSources(q.source),
        min_severity: q.severity,
        workload_id: q.workload,
        container_id: await containerIdFilter(deps.containers, q.container),
        rule_id: q.rule,
        incident_id: q.incident,
        since: parseTime('since', q.since),
        until: parseTime('until', q.until),
        text: q.q,
        hosts: parseHosts(q.host),
      };
      const page = await deps.events.list(filter, {
        before: q.before,
        after: q.after,
        limit: q.limit,
      });
      return { items: page.items.map(eventFor(request.principal, deps.policy)), next: page.next };
    });

    app.get('/api/events/:id', { schema: EventsApi.get }, async (request) =>
      eventFor(request.principal, deps.policy)(await deps.events.get(request.params.id)),
    );
  };
}
