import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type {
  Incident,
  IncidentDetail,
  IncidentFilter,
  IncidentList,
  IncidentPage,
} from '../../incidents/index.js';
import type { AccessPolicy } from '../access-guard.js';
import { IncidentsApi, type Incident as IncidentJson } from '../wire/incidents.js';
import { containerIdFilter, type ContainerFinder } from './container-ref.js';
import { eventFor, parseTime } from './events.js';
import { isoTime, isoTimeOrNull } from './wire-time.js';

export interface IncidentsApiDeps {
  incidents: {
    list(filter: IncidentFilter, page: IncidentPage): Promise<IncidentList>;
    get(id: number): Promise<IncidentDetail>;
  };
  containers: ContainerFinder;
  /** Whether viewers may read logs: an event's last lines are log lines. */
  policy: AccessPolicy;
  now?: () => number;
}

export function incidentJson(i: Incident, now: number): IncidentJson {
  return {
    id: i.id,
    key: i.key,
    state: i.state,
    source: i.source,
    severity: i.severity,
    rule_id: i.rule_id,
    container_id: i.container_id,
    workload_id: i.workload_id,
    host_id: i.host_id,
    count: i.count,
    first_seen: isoTime(i.first_seen),
    last_seen: isoTime(i.last_seen),
    first_event_id: i.first_event_id,
    last_event_id: i.last_event_id,
    last_message: i.last_message,
    resolve_after_seconds: i.resolve_after_seconds,
    resolved_at: isoTimeOrNull(i.resolved_at),
    resolve_reason: i.resolve_reason,
    resolved_by_event_id: i.resolved_by_event_id,
    duration_seconds: Math.max(0, Math.round(((i.resolved_at ?? now) - i.first_seen) / 1000)),
  };
}

export function incidentsRoutes(deps: IncidentsApiDeps) {
  const now = deps.now ?? Date.now;
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/incidents',
      { config: { access: 'viewer' }, schema: IncidentsApi.list },
      async (request) => {
        const q = request.query;
        const filter: IncidentFilter = {
          state: q.state,
          rule_id: q.rule,
          container_id: await containerIdFilter(deps.containers, q.container),
          workload_id: q.workload,
          since: parseTime('since', q.since),
          until: parseTime('until', q.until),
        };
        const page = await deps.incidents.list(filter, { before: q.before, limit: q.limit });
        const at = now();
        return { items: page.items.map((i) => incidentJson(i, at)), next: page.next };
      },
    );

    app.get(
      '/api/incidents/:id',
      { config: { access: 'viewer' }, schema: IncidentsApi.get },
      async (request) => {
        const detail = await deps.incidents.get(request.params.id);
        return {
          ...incidentJson(detail, now()),
          events: detail.events.map(eventFor(request.principal, deps.policy)),
        };
      },
    );
  };
}
