import { useState } from 'react';
import { triggersApi, type Delivery, type DeliveryStatus } from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';
import { Time } from '../../components/time';
import { Link } from '../../router/router';
import { useSession } from '../../shell/session';

const TONE: Record<DeliveryStatus, 'ok' | 'waiting' | 'bad'> = {
  sent: 'ok',
  pending: 'waiting',
  failed: 'bad',
  dead: 'bad',
};

/** Only a delivery that ended without reaching anyone can be sent again. */
export const retryable = (d: Delivery) => d.status === 'failed' || d.status === 'dead';

interface Props {
  deliveries: readonly Delivery[];
  /** Trigger names by id, for the trigger column; without it the column is left out. */
  triggerNames?: ReadonlyMap<number, string>;
  onRetried: (delivery: Delivery) => void;
}

/** Where events were sent, how it went, and a retry for what failed. */
export function DeliveriesTable({ deliveries, triggerNames, onRetried }: Props) {
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
              {triggerNames && <th>Trigger</th>}
              <th>Event</th>
              <th>Status</th>
              <th className="num">Answer</th>
              <th className="num hide-narrow">Attempts</th>
              <th className="hide-narrow">Error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-delivery-status={d.status}>
                <td>
                  <Time iso={d.sent_at ?? d.updated_at} />
                </td>
                {triggerNames && (
                  <td>
                    <Link to={`/triggers/${d.trigger_id}`}>
                      {triggerNames.get(d.trigger_id) ?? `#${d.trigger_id}`}
                    </Link>
                  </td>
                )}
                <td>
                  <Link to={`/events/${d.event_id}`}>#{d.event_id}</Link>
                </td>
                <td>
                  <span className={`badge delivery-${TONE[d.status]}`}>{d.status}</span>
                  {d.status === 'pending' && d.next_attempt_at && (
                    <span className="muted small">
                      {' '}
                      next <Time iso={d.next_attempt_at} />
                    </span>
                  )}
                </td>
                <td className="num">
                  {d.last_status_code ?? '—'}
                  {d.latency_ms !== null && (
                    <span className="muted small hide-narrow"> · {d.latency_ms} ms</span>
                  )}
                </td>
                <td className="num hide-narrow">{d.attempts}</td>
                <td className="hide-narrow error-text">{d.last_error ?? ''}</td>
                <td>
                  {retryable(d) && canEdit && (
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
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
