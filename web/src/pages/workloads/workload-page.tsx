import { useMemo, useState } from 'react';
import { inventoryApi } from '../../api/inventory';
import { StateBadge } from '../../components/badges';
import { ConnectionBanner } from '../../components/connection-banner';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { isFolded, runningFirst } from '../../inventory/live-index';
import { useLiveContainers } from '../../inventory/use-live-containers';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { EffectiveRulesTable } from './effective-rules-table';
import { WorkloadLogs } from './workload-logs';

/**
 * A workload: its containers (live), their logs merged into one, and its effective
 * rules, with where each rule comes from.
 */
export function WorkloadPage({ id }: { id: string }) {
  const { canEdit } = useSession();
  const workload = useResource(() => inventoryApi.workload(id), [id]);
  const live = useLiveContainers();
  const rules = useResource(() => inventoryApi.effectiveRules(id), [id]);
  const [showGone, setShowGone] = useState(false);
  const containers = useMemo(
    () => runningFirst((live.containers ?? []).filter((c) => c.workload_id === id)),
    [live.containers, id],
  );
  const folded = containers.filter((c) => isFolded(c, live.now, live.goneHideAfterMs));
  const listed = showGone
    ? containers
    : containers.filter((c) => !isFolded(c, live.now, live.goneHideAfterMs));
  if (workload.error) return <ErrorMessage error={workload.error} />;
  if (!workload.data) return <Loading />;
  return (
    <>
      <PageHeader
        title={workload.data.name}
        actions={
          canEdit && (
            <Link className="button" to={`/rules/new?workload=${encodeURIComponent(id)}`}>
              New rule for this workload
            </Link>
          )
        }
      >
        <span className="badge subtle">{workload.data.kind}</span>
      </PageHeader>
      <ConnectionBanner status={live.status} what="live inventory" />
      <Section title="Containers">
        {!live.containers && <Loading what="Loading containers" />}
        <ul className="plain-list" data-testid="workload-containers">
          {listed.map((c) => (
            <li key={c.id} data-container={c.name} data-state={c.state}>
              <Link to={`/containers/${c.id}`}>{c.name}</Link>{' '}
              <StateBadge state={c.state} health={c.health} />
            </li>
          ))}
        </ul>
        {folded.length > 0 && (
          <button
            type="button"
            className="link-button small"
            onClick={() => setShowGone((v) => !v)}
          >
            {showGone ? 'hide' : 'show'} {folded.length} gone
          </button>
        )}
        {live.containers && containers.length === 0 && (
          <p className="empty">No containers in this workload.</p>
        )}
      </Section>
      <Section title="Logs, all containers">
        <WorkloadLogs containers={containers} />
      </Section>
      <Section title="Effective rules">
        <p className="muted small">
          Global rules, minus those this workload overrides, plus its own. A disabled override
          silences the global rule here.
        </p>
        <ErrorMessage error={rules.error} />
        {rules.data && (
          <EffectiveRulesTable rules={rules.data.items} workloadId={id} canOverride={canEdit} />
        )}
      </Section>
    </>
  );
}
