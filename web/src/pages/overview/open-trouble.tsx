import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';
import { HOUR_MS } from '../../stats/hit-buckets';
import { recentEvents } from '../../stats/recent-events';

const CAP = 1000;

/** Critical and error events in the last hour. */
export function OpenTrouble() {
  const trouble = useResource(async () => {
    const since = new Date(Date.now() - HOUR_MS).toISOString();
    const read = await recentEvents({ severity: 'error', since }, CAP);
    const critical = read.items.filter((e) => e.severity === 'critical').length;
    return { since, total: read.items.length, critical, truncated: read.truncated };
  }, []);
  useInterval(trouble.reload, 15_000);
  const data = trouble.data;
  return (
    <div
      className={`card ${data ? (data.total > 0 ? 'bad' : 'ok') : ''}`}
      data-testid="open-trouble"
    >
      <div className="card-label">Open trouble, last hour</div>
      <div className="card-value">
        {data ? `${data.total}${data.truncated ? '+' : ''}` : trouble.error ? '?' : '…'}
      </div>
      <div className="card-detail">
        {data && (
          <Link to={`/events?severity=error&since=${encodeURIComponent(data.since)}`}>
            {data.critical} critical, {data.total - data.critical} error
          </Link>
        )}
        {trouble.error && <span className="error-text">{trouble.error.message}</span>}
      </div>
    </div>
  );
}
