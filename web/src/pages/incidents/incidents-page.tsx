import { useState } from 'react';
import { incidentsApi, type Incident, type IncidentDetail } from '../../api/incidents';
import { SeverityBadge } from '../../components/badges';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { ExactTime, Time } from '../../components/time';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { silenceThisPath } from '../silences/silence-draft';
import { HitContext } from '../events/event-detail-page';
import { EventRow } from '../events/event-row';
import { formatDuration, incidentKind } from './duration';

type Tab = 'open' | 'resolved' | 'all';
const TABS: { tab: Tab; label: string }[] = [
  { tab: 'open', label: 'Open' },
  { tab: 'resolved', label: 'Resolved' },
  { tab: 'all', label: 'All' },
];

function IncidentTable({ items, now }: { items: Incident[]; now: number }) {
  if (items.length === 0) return <p className="empty">None.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="incidents">
        <thead>
          <tr>
            <th>Incident</th>
            <th>Events</th>
            <th>First seen</th>
            <th>Last seen</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id} data-incident-id={i.id} data-state={i.state}>
              <td>
                <Link to={`/incidents/${i.id}`}>
                  <SeverityBadge severity={i.severity} />{' '}
                  <span className="badge subtle">{incidentKind(i.key)}</span>{' '}
                  {i.state === 'resolved' && <span className="badge subtle">resolved</span>}{' '}
                  <span className="small">{i.last_message}</span>
                </Link>
              </td>
              <td data-testid="incident-count">{i.count}</td>
              <td className="small">
                <Time iso={i.first_seen} now={now} />
              </td>
              <td className="small">
                <Time iso={i.last_seen} now={now} />
              </td>
              <td className="small">{formatDuration(i.duration_seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Incidents: what is open now, what resolved, newest first. */
export function IncidentsPage() {
  const [tab, setTab] = useState<Tab>('open');
  const list = useResource(
    () => incidentsApi.list(tab === 'all' ? {} : { state: tab }, { limit: 200 }),
    [tab],
  );
  // Incidents open, grow and resolve on their own: the page follows.
  useInterval(() => list.reload(), 10_000);
  const now = Date.now();
  return (
    <>
      <PageHeader title="Incidents" />
      <p className="muted">
        Events that belong together (one rule in one container, one container crashing) form one
        incident: it notifies when it opens and when it resolves, not per event.
      </p>
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.tab}
            type="button"
            role="tab"
            aria-selected={tab === t.tab}
            className="tab"
            data-testid={`tab-${t.tab}`}
            onClick={() => setTab(t.tab)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data ? (
        <IncidentTable items={list.data.items} now={now} />
      ) : (
        <Loading />
      )}
    </>
  );
}

/** One incident: its state, count, first and last seen, and its latest events. */
export function IncidentDetailPage({ id }: { id: number }) {
  const incident = useResource(() => incidentsApi.get(id), [id]);
  const { canEdit } = useSession();
  useInterval(() => incident.reload(), 10_000);
  const i = incident.data;
  if (incident.error) return <ErrorMessage error={incident.error} />;
  if (!i) return <Loading />;
  const now = Date.now();
  return (
    <>
      <PageHeader
        title={`Incident ${i.id}`}
        actions={
          canEdit && (
            <Link
              to={silenceThisPath({ ...i, metadata: {} })}
              className="button small"
              data-testid="silence-this"
            >
              Silence this
            </Link>
          )
        }
      >
        <SeverityBadge severity={i.severity} />
        <span className="badge subtle" data-testid="incident-state">
          {i.state}
        </span>
        <span className="badge subtle">{incidentKind(i.key)}</span>
      </PageHeader>
      <pre className="event-message-full">{i.last_message}</pre>
      <dl className="facts">
        <div>
          <dt>Events</dt>
          <dd data-testid="incident-count">{i.count}</dd>
        </div>
        <div>
          <dt>First seen</dt>
          <dd>
            <ExactTime iso={i.first_seen} />
          </dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>
            <ExactTime iso={i.last_seen} />
          </dd>
        </div>
        <div>
          <dt>{i.state === 'open' ? 'Open for' : 'Lasted'}</dt>
          <dd>{formatDuration(i.duration_seconds)}</dd>
        </div>
        {i.resolved_at && (
          <div>
            <dt>Resolved</dt>
            <dd>
              <ExactTime iso={i.resolved_at} />{' '}
              {i.resolve_reason === 'quiet'
                ? `(quiet for ${formatDuration(i.resolve_after_seconds)})`
                : '(cleared)'}
            </dd>
          </div>
        )}
        {i.container_id && (
          <div>
            <dt>Container</dt>
            <dd>
              <Link to={`/containers/${i.container_id}`}>{i.container_id.slice(0, 12)}</Link>
            </dd>
          </div>
        )}
        {i.rule_id !== null && (
          <div>
            <dt>Rule</dt>
            <dd>
              <Link to={`/rules/${i.rule_id}`}>#{i.rule_id}</Link>
            </dd>
          </div>
        )}
        <div>
          <dt>Key</dt>
          <dd>
            <code>{i.key}</code>
          </dd>
        </div>
      </dl>
      <LatestContext events={i.events} />
      <Section title={`Latest events (${i.events.length} of ${i.count})`}>
        <ul className="event-list" data-testid="incident-events">
          {i.events.map((e) => (
            <EventRow key={e.id} event={e} names={new Map()} now={now} />
          ))}
        </ul>
      </Section>
    </>
  );
}

/**
 * The lines around the latest rule hit of the incident that kept some (left out by the
 * server for those who may not read logs).
 */
function LatestContext({ events }: { events: IncidentDetail['events'] }) {
  const hit = events.find(
    (e) => e.context && (e.context.before.length > 0 || e.context.after.length > 0),
  );
  if (!hit?.context) return null;
  return (
    <Section title="The lines around its latest hit">
      <HitContext before={hit.context.before} hit={hit.message} after={hit.context.after} />
      <Link to={`/events/${hit.id}`}>Event {hit.id}</Link>
    </Section>
  );
}
