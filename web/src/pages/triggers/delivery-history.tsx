import { useCallback, useEffect, useState } from 'react';
import {
  DELIVERY_STATUSES,
  triggersApi,
  type Delivery,
  type DeliveryStatus,
} from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';
import { Loading } from '../../components/page';
import { useInterval } from '../../hooks/use-interval';
import { DeliveriesTable } from './deliveries-table';
import { mergeDeliveries, refreshNewest } from './delivery-pages';

const PAGE = 50;
const POLL_MS = 5000;

/**
 * The outbox, newest first: of one trigger or of all (with trigger names). The newest
 * page is read again every few seconds, so pending deliveries are seen to end.
 */
export function DeliveryHistory({
  triggerId,
  triggerNames,
}: {
  triggerId?: number;
  triggerNames?: ReadonlyMap<number, string>;
}) {
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const [loadingOlder, setLoadingOlder] = useState(false);

  const read = useCallback(
    (before?: number) => {
      const q = { status: status || undefined, before, limit: PAGE };
      return triggerId === undefined
        ? triggersApi.deliveries(q)
        : triggersApi.deliveriesOf(triggerId, q);
    },
    [triggerId, status],
  );

  const refresh = useCallback(
    async (fresh: boolean) => {
      try {
        const page = await read();
        setItems((current) => (fresh || !current ? page.items : refreshNewest(current, page)));
        if (fresh) setNext(page.next);
        setError(undefined);
      } catch (err) {
        setError(err);
      }
    },
    [read],
  );

  useEffect(() => {
    setItems(null);
    void refresh(true);
  }, [refresh]);
  useInterval(() => void refresh(false), POLL_MS);

  const older = async () => {
    if (next === null) return;
    setLoadingOlder(true);
    try {
      const page = await read(next);
      setItems((current) => mergeDeliveries(current ?? [], page.items));
      setNext(page.next);
    } catch (err) {
      setError(err);
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <div className="delivery-history">
      <div className="inline-form">
        <label>
          <span>Status</span>
          <select
            name="delivery_status"
            value={status}
            onChange={(e) => setStatus(e.target.value as DeliveryStatus | '')}
          >
            <option value="">any</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <ErrorMessage error={error} />
      {items === null && !error && <Loading />}
      {items && (
        <DeliveriesTable
          deliveries={items}
          triggerNames={triggerNames}
          onRetried={(d) => setItems((current) => mergeDeliveries([d], current ?? []))}
        />
      )}
      {items && next !== null && (
        <button
          type="button"
          className="small"
          disabled={loadingOlder}
          onClick={() => void older()}
        >
          {loadingOlder ? 'Loading…' : 'Older deliveries'}
        </button>
      )}
    </div>
  );
}
