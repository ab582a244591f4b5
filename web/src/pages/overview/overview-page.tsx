import { useEffect, useMemo } from 'react';
import { inventoryApi } from '../../api/inventory';
import { systemApi } from '../../api/system';
import { ConnectionBanner } from '../../components/connection-banner';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader } from '../../components/page';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { useLiveContainers } from '../../inventory/use-live-containers';
import { useRecentHits } from '../../stats/use-recent-hits';
import { groupByWorkload } from './group-containers';
import { StatusCards } from './status-cards';
import { WorkloadGroup } from './workload-group';

/** How often the engine and database checks are asked again (not the containers: those are live). */
const READINESS_MS = 15_000;

/** What is running, what is in trouble, and whether Docker answers. */
export function OverviewPage() {
  const live = useLiveContainers();
  const workloads = useResource(() => inventoryApi.workloads(), []);
  const readiness = useResource(() => systemApi.readiness(), []);
  const hits = useRecentHits();
  useInterval(readiness.reload, READINESS_MS);

  // A container of a workload not listed yet (a compose project seen for the first time):
  // its workload was registered with it, so read the list again.
  const unknownWorkload = useMemo(() => {
    if (!live.containers || !workloads.data) return null;
    const known = new Set(workloads.data.items.map((w) => w.id));
    return live.containers.find((c) => c.workload_id && !known.has(c.workload_id))?.workload_id;
  }, [live.containers, workloads.data]);
  const reloadWorkloads = workloads.reload;
  useEffect(() => {
    if (unknownWorkload) reloadWorkloads();
  }, [unknownWorkload, reloadWorkloads]);

  const groups =
    live.containers && workloads.data
      ? groupByWorkload(live.containers, workloads.data.items)
      : undefined;

  return (
    <>
      <PageHeader title="Overview" />
      <ConnectionBanner status={live.status} what="live inventory" />
      <StatusCards readiness={readiness.data} containers={live.containers} hits={hits.buckets} />
      <ErrorMessage error={workloads.error ?? hits.error} />
      {hits.truncated && (
        <p className="muted small">
          Hit counts are lower bounds: more than 5000 hits in the last day.
        </p>
      )}
      {!groups && !workloads.error && <Loading what="Loading containers" />}
      {groups?.length === 0 && (
        <p className="empty">No containers yet: Logwarden lists every container Docker knows.</p>
      )}
      {groups?.map((group) => (
        <WorkloadGroup
          key={group.key}
          group={group}
          hits={hits.buckets}
          now={live.now}
          goneHideAfterMs={live.goneHideAfterMs}
        />
      ))}
    </>
  );
}
