import { inventoryApi } from '../../api/inventory';
import { systemApi } from '../../api/system';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader } from '../../components/page';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { useRecentHits } from '../../stats/use-recent-hits';
import { groupByWorkload } from './group-containers';
import { StatusCards } from './status-cards';
import { WorkloadGroup } from './workload-group';

/** What is running, what is in trouble, and whether Docker answers. */
export function OverviewPage() {
  const containers = useResource(() => inventoryApi.containers(), []);
  const workloads = useResource(() => inventoryApi.workloads(), []);
  const readiness = useResource(() => systemApi.readiness(), []);
  const hits = useRecentHits();
  useInterval(() => {
    containers.reload();
    workloads.reload();
    readiness.reload();
  }, 10_000);

  const groups =
    containers.data && workloads.data
      ? groupByWorkload(containers.data.items, workloads.data.items)
      : undefined;

  return (
    <>
      <PageHeader title="Overview" />
      <StatusCards
        readiness={readiness.data}
        containers={containers.data?.items}
        hits={hits.buckets}
      />
      <ErrorMessage error={containers.error ?? workloads.error ?? hits.error} />
      {hits.truncated && (
        <p className="muted small">
          Hit counts are lower bounds: more than 5000 hits in the last day.
        </p>
      )}
      {!groups && !containers.error && <Loading what="Loading containers" />}
      {groups?.length === 0 && (
        <p className="empty">No containers yet: Logwarden lists every container Docker knows.</p>
      )}
      {groups?.map((group) => (
        <WorkloadGroup key={group.key} group={group} hits={hits.buckets} />
      ))}
    </>
  );
}
