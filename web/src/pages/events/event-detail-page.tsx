import { eventsApi } from '../../api/events';
import { SeverityBadge } from '../../components/badges';
import { Captures } from '../../components/captures';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { ExactTime } from '../../components/time';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { contextPath } from './context-link';
import { silenceThisPath } from '../silences/silence-draft';
import { EventDeliveries } from './event-deliveries';

const SHOWN_ELSEWHERE = new Set(['captures', 'last_lines', 'rule_name', 'container_name']);

/** One event: what matched, the captures, the lines around it, where it was sent. */
export function EventDetailPage({ id }: { id: number }) {
  const event = useResource(() => eventsApi.get(id), [id]);
  const { canReadLogs, canEdit } = useSession();
  const e = event.data;
  if (event.error) return <ErrorMessage error={event.error} />;
  if (!e) return <Loading />;
  const meta = e.metadata;
  const lines = Array.isArray(meta.last_lines) ? (meta.last_lines as unknown[]).map(String) : [];
  const other = Object.entries(meta).filter(([k]) => !SHOWN_ELSEWHERE.has(k));
  // No way into a log for those who may not read logs.
  const context = canReadLogs ? contextPath(e) : null;
  const silenceThis = canEdit ? silenceThisPath(e) : null;
  return (
    <>
      <PageHeader
        title={`Event ${e.id}`}
        actions={
          <>
            {context && (
              <Link to={context} className="button small" data-testid="see-in-context">
                {e.source === 'logscan' ? 'See in context' : 'See the log before it'}
              </Link>
            )}
            {silenceThis && (
              <Link to={silenceThis} className="button small" data-testid="silence-this">
                Silence this
              </Link>
            )}
          </>
        }
      >
        <SeverityBadge severity={e.severity} />
        <span className="badge subtle">{e.source}</span>
        {e.incident_id !== null && (
          <Link
            to={`/incidents/${e.incident_id}`}
            className="badge subtle"
            data-testid="event-incident"
          >
            incident #{e.incident_id}
          </Link>
        )}
        {e.silenced_by !== null && (
          <Link to="/silences" className="badge subtle" data-testid="silenced">
            silenced by #{e.silenced_by}
          </Link>
        )}
      </PageHeader>
      <pre className="event-message-full" data-testid="event-message">
        {e.message}
      </pre>
      <dl className="facts">
        <div>
          <dt>When</dt>
          <dd>
            <ExactTime iso={e.created_at} />
          </dd>
        </div>
        {e.container_id && (
          <div>
            <dt>Container</dt>
            <dd>
              <Link to={`/containers/${e.container_id}`}>
                {typeof meta.container_name === 'string'
                  ? meta.container_name
                  : e.container_id.slice(0, 12)}
              </Link>
            </dd>
          </div>
        )}
        {e.host_id !== null && (
          <div>
            <dt>Host</dt>
            <dd>
              <Link to={`/events?host=${encodeURIComponent(e.host_id)}`}>{e.host_id}</Link>
            </dd>
          </div>
        )}
        {e.workload_id && (
          <div>
            <dt>Workload</dt>
            <dd>
              <Link to={`/workloads/${encodeURIComponent(e.workload_id)}`}>{e.workload_id}</Link>
            </dd>
          </div>
        )}
        {e.rule_id !== null && (
          <div>
            <dt>Rule</dt>
            <dd>
              <Link to={`/rules/${e.rule_id}`}>
                {typeof meta.rule_name === 'string' ? meta.rule_name : `#${e.rule_id}`}
              </Link>
            </dd>
          </div>
        )}
      </dl>
      {e.source === 'logscan' && (
        <Section title="Captures">
          <Captures captures={meta.captures as Record<string, unknown> | undefined} />
        </Section>
      )}
      {e.context && (e.context.before.length > 0 || e.context.after.length > 0) && (
        <Section title="The lines around it">
          <HitContext before={e.context.before} hit={e.message} after={e.context.after} />
        </Section>
      )}
      {lines.length > 0 && (
        <Section title="The lines before it">
          <pre className="log-excerpt">{lines.join('\n')}</pre>
        </Section>
      )}
      {other.length > 0 && (
        <Section title="Details">
          <dl className="facts">
            {other.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>
                  <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
                </dd>
              </div>
            ))}
          </dl>
        </Section>
      )}
      <EventDeliveries event={e} />
    </>
  );
}

/** A rule hit's lines: those before, the hit's own (marked), those after; oldest first. */
export function HitContext({
  before,
  hit,
  after,
}: {
  before: string[];
  hit: string;
  after: string[];
}) {
  return (
    <pre className="log-excerpt hit-context" data-testid="event-context">
      {before.map((line, i) => (
        <span key={`b${i}`} className="context-line" data-part="before">
          {line}
          {'\n'}
        </span>
      ))}
      <mark className="context-line context-hit" data-part="hit">
        {hit}
        {'\n'}
      </mark>
      {after.map((line, i) => (
        <span key={`a${i}`} className="context-line" data-part="after">
          {line}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}
