import { systemApi } from '../../api/system';
import { ErrorMessage } from '../../components/errors';
import { Loading, PageHeader, Section } from '../../components/page';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { Link } from '../../router/router';

const COUNTERS: [key: string, label: string][] = [
  ['lines_scanned', 'Lines scanned'],
  ['bytes_scanned', 'Bytes scanned'],
  ['hits', 'Hits'],
  ['cooldown_drops', 'Held back by cooldown'],
  ['rate_drops', 'Held back by rate limit'],
  ['truncated_lines', 'Lines cut at 1 MiB'],
  ['corrupt_streams', 'Corrupt streams'],
  ['reconnects', 'Reconnects'],
  ['stalls', 'Stalled tails re-attached'],
  ['lines_possibly_lost', 'Lines possibly lost (rotation)'],
  ['repeated_lines', 'Repeated lines skipped'],
  ['lines_recovered', 'Skipped lines read again'],
  ['unreadable_containers', 'Unreadable containers'],
];

const number = new Intl.NumberFormat();

/** The log scanner at work: its tails, its counters, rules that failed to compile. */
export function ScannerPage() {
  const stats = useResource(() => systemApi.scannerStats(), []);
  useInterval(stats.reload, 5000);
  const s = stats.data;
  return (
    <>
      <PageHeader title="Scanner" />
      <ErrorMessage error={stats.error} />
      {!s && !stats.error && <Loading />}
      {s && (
        <>
          <div className="cards">
            <div className="card">
              <div className="card-label">Active tails</div>
              <div className="card-value">{s.active_tails}</div>
            </div>
            <div className="card">
              <div className="card-label">Rules compiled</div>
              <div className="card-value">{s.rules.compiled}</div>
              <div className="card-detail">snapshot v{s.rules.version}</div>
            </div>
            {COUNTERS.map(([key, label]) => (
              <div className="card" key={key}>
                <div className="card-label">{label}</div>
                <div className="card-value">
                  {number.format(Number((s as unknown as Record<string, number>)[key] ?? 0))}
                </div>
              </div>
            ))}
          </div>
          <Section title="Compile errors">
            {s.last_compile_errors.length === 0 ? (
              <p className="empty">Every stored rule compiles.</p>
            ) : (
              <ul className="plain-list" data-testid="compile-errors">
                {s.last_compile_errors.map((e) => (
                  <li key={e.rule_id}>
                    <Link to={`/rules/${e.rule_id}`}>{e.name}</Link>:{' '}
                    <span className="error-text">{e.error}</span>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          <Section title="Tails">
            {s.tails.length === 0 ? (
              <p className="empty">No container is being followed.</p>
            ) : (
              <div className="table-wrap">
                <table className="table" data-testid="tails">
                  <thead>
                    <tr>
                      <th>Container</th>
                      <th>Status</th>
                      <th className="num">Lines</th>
                      <th className="num">Hits</th>
                      <th
                        className="num"
                        title="Estimated lines Docker rotated away before they were read"
                      >
                        Possibly lost
                      </th>
                      <th className="hide-narrow">Last error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.tails.map((t) => (
                      <tr key={t.container_id}>
                        <td>
                          <Link to={`/containers/${t.container_id}`}>{t.container_name}</Link>
                        </td>
                        <td>
                          <span className={`badge tail-${t.status}`}>{t.status}</span>
                        </td>
                        <td className="num">{number.format(t.lines)}</td>
                        <td className="num">{number.format(t.hits)}</td>
                        <td
                          className={`num${t.lines_possibly_lost > 0 ? ' error-text' : ''}`}
                          data-testid="lines-possibly-lost"
                        >
                          {number.format(t.lines_possibly_lost)}
                        </td>
                        <td className="hide-narrow error-text small">{t.last_error ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
        </>
      )}
    </>
  );
}
