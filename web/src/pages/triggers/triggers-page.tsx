import { useMemo } from 'react';
import { triggersApi, type Trigger } from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { channelSpec } from './channels';
import { DeliveryHistory } from './delivery-history';

function filterSummary(t: Trigger): string {
  const parts = [
    t.filter.severities.length ? t.filter.severities.join('/') : 'any severity',
    t.filter.sources.length ? t.filter.sources.join('/') : null,
    t.filter.workloads.length ? `workloads ${t.filter.workloads.join(', ')}` : null,
    t.filter.hosts.length ? `hosts ${t.filter.hosts.join(', ')}` : null,
    t.filter.message_regex ? `/${t.filter.message_regex}/` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Where events are sent, and how the deliveries went. */
export function TriggersPage() {
  const { canEdit } = useSession();
  const triggers = useResource(() => triggersApi.list(), []);
  const names = useMemo(
    () => new Map((triggers.data?.items ?? []).map((t) => [t.id, t.name])),
    [triggers.data],
  );
  return (
    <>
      <PageHeader
        title="Triggers"
        actions={
          canEdit && (
            <Link className="button primary" to="/triggers/new">
              New trigger
            </Link>
          )
        }
      />
      <ErrorMessage error={triggers.error} />
      {!triggers.data && !triggers.error && <Loading />}
      {triggers.data?.items.length === 0 && (
        <p className="empty">No triggers: events are recorded but nobody is told.</p>
      )}
      {triggers.data && triggers.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="triggers">
            <thead>
              <tr>
                <th>Name</th>
                <th>Channel</th>
                <th className="hide-narrow">Sends</th>
              </tr>
            </thead>
            <tbody>
              {triggers.data.items.map((t) => (
                <tr key={t.id} className={t.enabled ? undefined : 'disabled'}>
                  <td>
                    <Link to={`/triggers/${t.id}`} className="strong">
                      {t.name}
                    </Link>
                    {!t.enabled && (
                      <span className="badge subtle" title={t.disabled_reason ?? undefined}>
                        off
                      </span>
                    )}
                  </td>
                  <td>{channelSpec(t.channel.type).label}</td>
                  <td className="hide-narrow muted small">{filterSummary(t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Section title="Recent deliveries">
        <DeliveryHistory triggerNames={names} />
      </Section>
    </>
  );
}
