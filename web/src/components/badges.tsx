import type { ContainerState, Severity } from '../api/types';

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}

export function StateBadge({ state, health }: { state: ContainerState; health?: string | null }) {
  return (
    <span className="state">
      <span className={`dot state-${state}`} aria-hidden="true" />
      {state}
      {health && <span className={`badge health-${health}`}>{health}</span>}
    </span>
  );
}

export function StreamMark({ stream }: { stream: 'stdout' | 'stderr' }) {
  return (
    <span className={`stream-mark stream-${stream}`} title={stream}>
      {stream === 'stderr' ? 'err' : 'out'}
    </span>
  );
}
