import { useState } from 'react';
import { triggersApi, type Delivery } from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';
import { Time } from '../../components/time';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';

const DONE = new Set(['delivered', 'sent', 'ok', 'success', 'succeeded']);
const WAITING = new Set(['pending', 'queued', 'retrying', 'sending', 'scheduled']);

export function deliveryTone(status: string): 'ok' | 'waiting' | 'bad' {
  if (DONE.has(status)) return 'ok';
  if (WAITING.has(status)) return 'waiting';
  return 'bad';
}

interface Props {
  deliveries: Delivery[];
  /** Hide the trigger column on a trigger's own page. */
  showTrigger?: boolean;
  onRetried: (delivery: Delivery) => void;
}

/** Where events were sent, how it went, and a retry for what failed. */
export function DeliveriesTable({ deliveries, showTrigger = true, onRetried }: Props) {
  const { canEdit } = useSession();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<number | null>(null);
  const retry = async (d: Delivery) => {
    setBusy(d.id);
    setError(undefined);
    try {
      onRetried(await triggersApi.retry(d.id));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  if (deliveries.length === 0) return <p className="empty">No deliveries yet.</p>;
  return (
    <>
      <ErrorMessage error={error} />
      <div className="table-wrap">
        <table className="table" data-testid="deliveries">
          <thead>
            <tr>
              <th>When</th>
              {showTrigger && <th>Trigger</th>}
              <th>Event</th>
              <th>Status</th>
              <th className="num">HTTP</th>
              <th className="num hide-narrow">Attempts</th>
              <th className="hide-narrow">Error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => {
              const tone = deliveryTone(d.status);
              const code = d.response_status ?? d.status_code ?? null;
              return (
                <tr key={d.id} data-delivery-status={d.status}>
                  <td>
                    <Time iso={d.delivered_at ?? d.updated_at ?? d.created_at} />
                  </td>
                  {showTrigger && (
                    <td>
                      <Link to={`/triggers/${d.trigger_id}`}>
                        {d.trigger_name ?? `#${d.trigger_id}`}
                      </Link>
                    </td>
                  )}
                  <td>
                    {d.event_id === null ? (
                      <span className="muted">test</span>
                    ) : (
                      <Link to={`/events/${d.event_id}`}>#{d.event_id}</Link>
                    )}
                  </td>
                  <td>
                    <span className={`badge delivery-${tone}`}>{d.status}</span>
                  </td>
                  <td className="num">{code ?? '—'}</td>
                  <td className="num hide-narrow">{d.attempts ?? '—'}</td>
                  <td className="hide-narrow error-text">{d.last_error ?? d.error ?? ''}</td>
                  <td>
                    {tone === 'bad' && canEdit && (
                      <button
                        type="button"
                        className="small"
                        disabled={busy === d.id}
                        onClick={() => void retry(d)}
                      >
                        Retry
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
