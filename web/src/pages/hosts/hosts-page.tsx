import { hostsApi, type Host } from '../../api/hosts';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader } from '../../components/page';
import { Time } from '../../components/time';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';

function HostRow({ host, now }: { host: Host; now: number }) {
  return (
    <tr data-host-id={host.id} data-connected={String(host.connected)}>
      <td>
        <strong>{host.name}</strong> <span className="muted small mono">{host.id}</span>
      </td>
      <td data-testid="host-state">
        <span className="state">
          <span
            className={`dot state-${host.connected ? 'running' : 'missing'}`}
            aria-hidden="true"
          />
          {host.connected ? 'connected' : 'disconnected'}
        </span>{' '}
        {host.connected && !host.docker_reachable && (
          <span className="badge warn">Docker unreachable</span>
        )}
      </td>
      <td className="small">
        <Time iso={host.last_seen_at} now={now} />
      </td>
      <td data-testid="host-rules">
        {host.rule_revision === null ? 'none yet' : `revision ${host.rule_revision}`}{' '}
        {!host.rules_current && <span className="badge warn">old rules</span>}
      </td>
      <td>{host.containers}</td>
      <td className="small">
        {host.docker_version ? `Docker ${host.docker_version}` : '—'}
        {host.agent_version && <span className="muted"> · agent {host.agent_version}</span>}
      </td>
      <td>
        <Link to={`/events?host=${encodeURIComponent(host.id)}`}>events</Link>
      </td>
    </tr>
  );
}

/** The Docker hosts agents report on (scale-out), and whether each is heard from. */
export function HostsPage() {
  const hosts = useResource(() => hostsApi.list(), []);
  // Agents report every 15 s: the page follows them going silent and coming back.
  useInterval(() => hosts.reload(), 10_000);
  const now = Date.now();
  return (
    <>
      <PageHeader title="Hosts" />
      <ErrorMessage error={hosts.error} />
      {!hosts.data && !hosts.error && <Loading what="Loading hosts" />}
      {hosts.data && hosts.data.items.length === 0 && (
        <p className="empty">
          No agents have reported. This server watches its own Docker engine; to watch more hosts,
          run <code>logwarden agent</code> next to each engine (see docs/scale-out.md).
        </p>
      )}
      {hosts.data && hosts.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="hosts">
            <thead>
              <tr>
                <th>Host</th>
                <th>Agent</th>
                <th>Last report</th>
                <th>Rules</th>
                <th>Containers</th>
                <th>Versions</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {hosts.data.items.map((h) => (
                <HostRow key={h.id} host={h} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
