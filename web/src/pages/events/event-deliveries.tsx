import { triggersApi } from '../../api/triggers';
import { ErrorMessage } from '../../components/errors';
import { Loading, Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';
import { DeliveriesTable } from '../triggers/deliveries-table';

/** Where this event was sent by the triggers. */
export function EventDeliveries({ eventId }: { eventId: number }) {
  const deliveries = useResource(() => triggersApi.deliveries({ event: eventId }), [eventId]);
  return (
    <Section title="Deliveries">
      <ErrorMessage error={deliveries.error} />
      {deliveries.loading && !deliveries.data && <Loading />}
      {deliveries.data && (
        <DeliveriesTable
          deliveries={deliveries.data.items}
          onRetried={(d) =>
            deliveries.setData(
              (page) => page && { ...page, items: page.items.map((x) => (x.id === d.id ? d : x)) },
            )
          }
        />
      )}
    </Section>
  );
}
