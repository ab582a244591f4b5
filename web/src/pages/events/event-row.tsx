import type { LogEvent } from '../../api/types';
import { SeverityBadge } from '../../components/badges';
import { Time } from '../../components/time';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { contextPath } from './context-link';

/** What an event is about: its container (by name when known) and rule. */
export function eventSubject(event: LogEvent, names: ReadonlyMap<string, string>) {
  const meta = event.metadata;
  const container =
    (typeof meta.container_name === 'string' && meta.container_name) ||
    (event.container_id && (names.get(event.container_id) ?? event.container_id.slice(0, 12))) ||
    null;
  const rule = typeof meta.rule_name === 'string' ? meta.rule_name : null;
  const kind = typeof meta.kind === 'string' ? meta.kind : null;
  return { container, rule, kind };
}

export function EventRow({
  event,
  names,
  now,
}: {
  event: LogEvent;
  names: ReadonlyMap<string, string>;
  now: number;
}) {
  const { container, rule, kind } = eventSubject(event, names);
  // No way into a log for those who may not read logs.
  const context = useSession().canReadLogs ? contextPath(event) : null;
  return (
    <li className={`event-row sev-row-${event.severity}`} data-event-id={event.id}>
      <Link to={`/events/${event.id}`} className="event-link">
        <span className="event-time">
          <Time iso={event.created_at} now={now} />
        </span>
        <span className="event-tags">
          <SeverityBadge severity={event.severity} />
          <span className="badge subtle">{event.source}</span>
          {rule && <span className="badge rule">{rule}</span>}
          {kind && <span className="badge subtle">{kind}</span>}
          {event.silenced_by !== null && (
            <span className="badge subtle" title={`silenced by silence #${event.silenced_by}`}>
              silenced
            </span>
          )}
          {event.host_id !== null && (
            <span className="badge subtle" data-testid="event-host">
              {event.host_id}
            </span>
          )}
          {container && <span className="event-container">{container}</span>}
        </span>
        <span className="event-message">{event.message}</span>
      </Link>
      {event.incident_id !== null && (
        <Link
          to={`/incidents/${event.incident_id}`}
          className="event-context"
          data-testid="event-incident"
        >
          incident #{event.incident_id}
        </Link>
      )}
      {context && (
        <Link to={context} className="event-context" data-testid="see-in-context">
          {event.source === 'logscan' ? 'in context' : 'log before'}
        </Link>
      )}
    </li>
  );
}
