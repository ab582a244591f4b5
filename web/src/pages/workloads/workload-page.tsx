import { inventoryApi } from '../../api/inventory';
import { StateBadge } from '../../components/badges';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { EffectiveRulesTable } from './effective-rules-table';

/** A workload: its containers and its effective rules, with where each rule comes from. */
export function WorkloadPage({ id }: { id: string }) {
  const { canEdit } = useSession();
  const workload = useResource(() => inventoryApi.workload(id), [id]);
  const containers = useResource(() => inventoryApi.containers({ workload: id }), [id]);
  const rules = useResource(() => inventoryApi.effectiveRules(id), [id]);
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
      <Section title="Containers">
        <ErrorMessage error={containers.error} />
        <ul className="plain-list">
          {containers.data?.items.map((c) => (
            <li key={c.id}>
              <Link to={`/containers/${c.id}`}>{c.name}</Link>{' '}
              <StateBadge state={c.state} health={c.health} />
            </li>
          ))}
        </ul>
        {containers.data?.items.length === 0 && (
          <p className="empty">No containers in this workload.</p>
        )}
      </Section>
    </>
  );
}
