import { useState } from 'react';
import { StateBadge } from '../../components/badges';
import { Sparkline } from '../../components/sparkline';
import { isFolded } from '../../inventory/live-index';
import { Link } from '../../router/router';
import type { HitBuckets } from '../../stats/hit-buckets';
import type { ContainerGroup } from './group-containers';

export function WorkloadGroup({
  group,
  hits,
  now,
  goneHideAfterMs,
}: {
  group: ContainerGroup;
  hits: HitBuckets | undefined;
  /** When the fold of gone containers is judged. */
  now: number;
  goneHideAfterMs: number;
}) {
  // Docker forgot these; their rows stay for their events' sake. A container just gone
  // stays listed (ui.gone_containers_hide_after_seconds), then folds away.
  const [showMissing, setShowMissing] = useState(false);
  const live = group.containers.filter((c) => c.state !== 'missing').length;
  const folded = group.containers.filter((c) => isFolded(c, now, goneHideAfterMs));
  const missing = folded.length;
  const shown = showMissing
    ? group.containers
    : group.containers.filter((c) => !isFolded(c, now, goneHideAfterMs));
  return (
    <section className="section" data-testid="workload-group">
      <div className="section-header">
        <h2>
          {group.workload ? (
            <Link to={`/workloads/${encodeURIComponent(group.workload.id)}`}>
              {group.workload.name}
            </Link>
          ) : (
            'No workload'
          )}
          {group.workload && <span className="badge subtle">{group.workload.kind}</span>}
        </h2>
        <span className="muted small">
          {live} containers
          {missing > 0 && (
            <>
              {' · '}
              <button
                type="button"
                className="link-button small"
                onClick={() => setShowMissing((v) => !v)}
              >
                {showMissing ? 'hide' : 'show'} {missing} gone
              </button>
            </>
          )}
        </span>
      </div>
      {shown.length === 0 && <p className="empty">Every container of this group is gone.</p>}
      <div className="table-wrap" hidden={shown.length === 0}>
        <table className="table">
          <thead>
            <tr>
              <th>Container</th>
              <th>State</th>
              <th className="num">Restarts</th>
              <th className="num">Hits 1 h</th>
              <th className="hide-narrow">24 h</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => {
              const hours = hits?.byContainer.get(c.id);
              return (
                <tr key={c.id} data-container={c.name} data-state={c.state}>
                  <td>
                    <Link to={`/containers/${c.id}`} className="strong">
                      {c.name}
                    </Link>
                    <div className="muted small ellipsis">{c.image}</div>
                  </td>
                  <td>
                    <StateBadge state={c.state} health={c.health} />
                  </td>
                  <td className="num">{c.restart_count}</td>
                  <td className="num">{hits ? (hits.lastHour.get(c.id) ?? 0) : '…'}</td>
                  <td className="hide-narrow">
                    <Sparkline
                      values={hours ?? new Array(24).fill(0)}
                      label={`hits per hour for ${c.name}`}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
