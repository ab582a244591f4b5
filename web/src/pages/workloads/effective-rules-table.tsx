import type { EffectiveRule } from '../../api/types';
import { SeverityBadge } from '../../components/badges';
import { Link } from '../../router/router';

const SOURCE_LABEL: Record<EffectiveRule['source'], string> = {
  global: 'global',
  workload: 'this workload',
  override: 'override',
};

/** The rules that apply, each with where it comes from. */
export function EffectiveRulesTable({
  rules,
  workloadId,
  canOverride,
}: {
  rules: EffectiveRule[];
  workloadId?: string;
  canOverride?: boolean;
}) {
  if (rules.length === 0) return <p className="empty">No rules apply.</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid="effective-rules">
        <thead>
          <tr>
            <th>Rule</th>
            <th>From</th>
            <th>Severity</th>
            <th className="hide-narrow">Pattern</th>
            {canOverride && <th />}
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} className={r.enabled ? undefined : 'disabled'}>
              <td>
                <Link to={`/rules/${r.id}`}>{r.name}</Link>
                {!r.enabled && <span className="badge subtle">silenced</span>}
              </td>
              <td>
                <span className={`badge source-${r.source}`}>{SOURCE_LABEL[r.source]}</span>
                {r.source === 'override' && r.overrides_rule_id !== null && (
                  <span className="muted small">
                    {' '}
                    of <Link to={`/rules/${r.overrides_rule_id}`}>#{r.overrides_rule_id}</Link>
                  </span>
                )}
              </td>
              <td>
                <SeverityBadge severity={r.severity} />
              </td>
              <td className="hide-narrow">
                <code className="pattern">{r.pattern}</code>
              </td>
              {canOverride && (
                <td>
                  {r.source === 'global' && workloadId && (
                    <Link
                      className="small"
                      to={`/rules/new?workload=${encodeURIComponent(workloadId)}&overrides=${r.id}`}
                    >
                      override here
                    </Link>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
