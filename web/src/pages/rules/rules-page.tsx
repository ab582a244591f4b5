import { useMemo } from 'react';
import { rulesApi } from '../../api/rules';
import type { Rule } from '../../api/types';
import { SeverityBadge } from '../../components/badges';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';
import { useRecentHits } from '../../stats/use-recent-hits';

function ScopeCell({ rule, byId }: { rule: Rule; byId: Map<number, Rule> }) {
  if (rule.scope === 'global') return <span className="badge source-global">global</span>;
  const overridden = rule.overrides_rule_id === null ? undefined : byId.get(rule.overrides_rule_id);
  return (
    <span>
      <Link to={`/workloads/${encodeURIComponent(rule.workload_id ?? '')}`}>
        {rule.workload_id}
      </Link>
      {rule.overrides_rule_id !== null && (
        <span className="muted small">
          {' '}
          overrides{' '}
          <Link to={`/rules/${rule.overrides_rule_id}`}>
            {overridden?.name ?? `#${rule.overrides_rule_id}`}
          </Link>
        </span>
      )}
    </span>
  );
}

/** A rule's condition in a few words; nothing for the default (every line). */
export function conditionSummary(condition: Rule['condition']): string | null {
  if (condition.type === 'count') {
    const per = condition.group_by ?? 'container';
    return `≥ ${condition.threshold} in ${condition.window_seconds} s per ${per.replace(/^capture:/, '')}`;
  }
  if (condition.type === 'absence') return `absent ${condition.window_seconds} s`;
  return null;
}

/** Every rule, global ones first, with its hits over the last day. */
export function RulesPage() {
  const { canEdit } = useSession();
  const rules = useResource(() => rulesApi.list(), []);
  const hits = useRecentHits();
  const sorted = useMemo(() => {
    const items = [...(rules.data?.items ?? [])];
    return items.sort((a, b) =>
      a.scope === b.scope ? a.name.localeCompare(b.name) : a.scope === 'global' ? -1 : 1,
    );
  }, [rules.data]);
  const byId = useMemo(() => new Map(sorted.map((r) => [r.id, r])), [sorted]);

  return (
    <>
      <PageHeader
        title="Rules"
        actions={
          canEdit && (
            <Link className="button primary" to="/rules/new">
              New rule
            </Link>
          )
        }
      />
      <ErrorMessage error={rules.error ?? hits.error} />
      {!rules.data && !rules.error && <Loading />}
      {rules.data && sorted.length === 0 && (
        <p className="empty">No rules yet. Create one from a preset to start.</p>
      )}
      {sorted.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="rules">
            <thead>
              <tr>
                <th>Name</th>
                <th>Scope</th>
                <th>Severity</th>
                <th className="num">Hits 24 h</th>
                <th className="hide-narrow">Pattern</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((r) => (
                <tr key={r.id} className={r.enabled ? undefined : 'disabled'}>
                  <td>
                    <Link to={`/rules/${r.id}`} className="strong">
                      {r.name}
                    </Link>
                    {!r.enabled && <span className="badge subtle">off</span>}
                    {conditionSummary(r.condition) && (
                      <span className="badge subtle" data-testid="rule-condition">
                        {conditionSummary(r.condition)}
                      </span>
                    )}
                  </td>
                  <td>
                    <ScopeCell rule={r} byId={byId} />
                  </td>
                  <td>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td className="num">
                    <Link to={`/events?rule=${r.id}`}>
                      {hits.buckets ? (hits.buckets.byRule.get(r.id) ?? 0) : '…'}
                    </Link>
                  </td>
                  <td className="hide-narrow">
                    <code className="pattern">{r.pattern}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
