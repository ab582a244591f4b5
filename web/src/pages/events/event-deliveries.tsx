import { triggersApi, MAX_DELIVERY_PAGE, type Delivery } from '../../api/triggers';
import type { LogEvent } from '../../api/types';
import { ErrorMessage } from '../../components/errors';
import { Loading, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { DeliveriesTable } from '../triggers/deliveries-table';

/** Deliveries are written in the event's own transaction: they are no older than this. */
const SLACK_MS = 60_000;
const MAX_PAGES = 10;

/**
 * An event's deliveries. The API lists deliveries newest first without an event filter,
 * so the pages are read back to the event's time (at most MAX_PAGES of them).
 */
export async function deliveriesOfEvent(
  event: Pick<LogEvent, 'id' | 'created_at'>,
): Promise<{ items: Delivery[]; complete: boolean }> {
  const floor = Date.parse(event.created_at) - SLACK_MS;
  const items: Delivery[] = [];
  let before: number | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await triggersApi.deliveries({ before, limit: MAX_DELIVERY_PAGE });
    items.push(...page.items.filter((d) => d.event_id === event.id));
    const oldest = page.items[page.items.length - 1];
    if (page.next === null || !oldest || Date.parse(oldest.created_at) < floor)
      return { items, complete: true };
    before = page.next;
  }
  return { items, complete: false };
}

/** Where the triggers sent this event, and how it went. */
export function EventDeliveries({ event }: { event: LogEvent }) {
  const deliveries = useResource(() => deliveriesOfEvent(event), [event.id]);
  return (
    <Section title="Deliveries">
      <ErrorMessage error={deliveries.error} />
      {deliveries.loading && !deliveries.data && <Loading />}
      {deliveries.data && (
        <DeliveriesTable
          deliveries={deliveries.data.items}
          onRetried={(d) =>
            deliveries.setData(
              (found) =>
                found && { ...found, items: found.items.map((x) => (x.id === d.id ? d : x)) },
            )
          }
        />
      )}
      {deliveries.data && !deliveries.data.complete && (
        <p className="muted small">
          Only the newest {MAX_PAGES * MAX_DELIVERY_PAGE} deliveries were searched.
        </p>
      )}
    </Section>
  );
}
