import { eventsApi } from '../../api/events';
import { inventoryApi } from '../../api/inventory';
import { StateBadge } from '../../components/badges';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { Time } from '../../components/time';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { Link, useSearchParams } from '../../router/router';
import { EffectiveRulesTable } from '../workloads/effective-rules-table';
import { EventRow } from '../events/event-row';
import { ContextViewer } from './context-viewer';
import { LogViewer } from './log-viewer';
import { useContainerRules } from './use-container-rules';

/** One container: its live log with rule hits marked, its events and the rules that apply. */
export function ContainerPage({ id }: { id: string }) {
  // "See in context" (docs/ui.md): `?at=<line timestamp>&stream=…` or `?until=<exit>`.
  const [params] = useSearchParams();
  const at = params.get('at');
  const until = params.get('until');
  const stream = params.get('stream');
  const container = useResource(() => inventoryApi.container(id), [id]);
  useInterval(container.reload, 10_000);
  const c = container.data;
  const events = useResource(
    async () => (c ? eventsApi.list({ container: c.id }, { limit: 20 }) : undefined),
    [c?.id],
  );
  useInterval(events.reload, 10_000);
  const rules = useContainerRules(c?.workload_id ?? null);

  if (container.error && !c) return <ErrorMessage error={container.error} />;
  if (!c) return <Loading />;
  const names = new Map([[c.id, c.name]]);
  return (
    <>
      <PageHeader title={c.name}>
        <StateBadge state={c.state} health={c.health} />
      </PageHeader>
      <dl className="facts">
        <div>
          <dt>Image</dt>
          <dd className="ellipsis">{c.image}</dd>
        </div>
        <div>
          <dt>Workload</dt>
          <dd>
            {c.workload_id ? (
              <Link to={`/workloads/${encodeURIComponent(c.workload_id)}`}>{c.workload_id}</Link>
            ) : (
              <span className="muted">none</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Time iso={c.started_at} />
          </dd>
        </div>
        <div>
          <dt>Restarts</dt>
          <dd>{c.restart_count}</dd>
        </div>
        {c.exit_code !== null && (
          <div>
            <dt>Exit code</dt>
            <dd>{c.exit_code}</dd>
          </div>
        )}
        <div>
          <dt>Id</dt>
          <dd>
            <code>{c.id.slice(0, 12)}</code>
          </dd>
        </div>
      </dl>
      <Section title="Log">
        {at || until ? (
          <ContextViewer
            key={`${at} ${until} ${stream}`}
            containerId={c.id}
            available={c.logs_available}
            target={{ at, until, stream }}
          />
        ) : (
          <LogViewer
            containerId={c.id}
            available={c.logs_available}
            run={c.state === 'running' ? c.started_at : null}
          />
        )}
      </Section>
      <Section title="Events" actions={<Link to={`/events?container=${c.id}`}>all events →</Link>}>
        <ErrorMessage error={events.error} />
        {events.data && events.data.items.length === 0 && (
          <p className="empty">No events for this container.</p>
        )}
        <ul className="event-list">
          {events.data?.items.map((e) => (
            <EventRow key={e.id} event={e} names={names} now={Date.now()} />
          ))}
        </ul>
      </Section>
      <Section title="Effective rules">
        <ErrorMessage error={rules.error} />
        {rules.items && <EffectiveRulesTable rules={rules.items} />}
      </Section>
    </>
  );
}
