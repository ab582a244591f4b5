import type { Container, Readiness } from '../../api/types';
import { Link } from '../../router/router';
import type { HitBuckets } from '../../stats/hit-buckets';
import { OpenTrouble } from './open-trouble';

interface Props {
  readiness: Readiness | undefined;
  containers: Container[] | undefined;
  hits: HitBuckets | undefined;
}

export function StatusCards({ readiness, containers, hits }: Props) {
  const docker = readiness?.checks.docker;
  const database = readiness?.checks.database;
  const running = containers?.filter((c) => c.state === 'running').length;
  const hitsLastHour = hits ? [...hits.lastHour.values()].reduce((a, b) => a + b, 0) : undefined;
  return (
    <div className="cards">
      <div
        className={`card ${docker ? (docker.ok ? 'ok' : 'bad') : ''}`}
        data-testid="docker-status"
      >
        <div className="card-label">Docker engine</div>
        <div className="card-value">{docker ? (docker.ok ? 'reachable' : 'unreachable') : '…'}</div>
        <div className="card-detail">
          {docker?.ok ? docker.version && `Docker ${docker.version}` : docker?.error}
        </div>
      </div>
      <div className={`card ${database ? (database.ok ? 'ok' : 'bad') : ''}`}>
        <div className="card-label">Database</div>
        <div className="card-value">{database ? (database.ok ? 'ok' : 'down') : '…'}</div>
        <div className="card-detail">{database?.ok ? database.dialect : database?.error}</div>
      </div>
      <OpenTrouble />
      <div className="card">
        <div className="card-label">Containers</div>
        <div className="card-value">{containers ? `${running} running` : '…'}</div>
        <div className="card-detail">{containers && `${containers.length} known`}</div>
      </div>
      <div className="card">
        <div className="card-label">Rule hits, last hour</div>
        <div className="card-value">{hitsLastHour ?? '…'}</div>
        <div className="card-detail">
          <Link to="/events?source=logscan">live feed</Link>
        </div>
      </div>
    </div>
  );
}
