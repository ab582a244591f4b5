import { useEffect, useMemo, useState } from 'react';
import { inventoryApi } from '../../api/inventory';
import { rulesApi } from '../../api/rules';
import { hostsApi } from '../../api/hosts';
import { ConnectionBanner, LiveIndicator } from '../../components/connection-banner';
import { ErrorMessage } from '../../components/errors';
import { PageHeader } from '../../components/page';
import { useInfiniteScroll } from '../../hooks/use-infinite-scroll';
import { useInterval } from '../../hooks/use-interval';
import { useResource } from '../../hooks/use-resource';
import { useSearchParams } from '../../router/router';
import { useSession } from '../../shell/session';
import { EventFilters } from './event-filters';
import { EventRow } from './event-row';
import { filterFromParams, paramsFromFilter } from './filters';
import { useEventFeed } from './use-event-feed';
import { useScrolledAway } from './use-scrolled-away';

/** Everything Logwarden noticed, live, with filters kept in the URL. */
export function EventsPage() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromParams(params), [params]);
  const { canEdit } = useSession();
  const { feed, dispatch, live, loading, error, loadOlder, retry } = useEventFeed(filter, canEdit);
  const away = useScrolledAway();
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), 30_000);

  useEffect(() => {
    if (away === feed.following) dispatch({ type: 'follow', following: !away });
  }, [away, feed.following, dispatch]);

  const workloads = useResource(() => inventoryApi.workloads(), []);
  const containers = useResource(() => inventoryApi.containers(), []);
  const rules = useResource(() => rulesApi.list(), []);
  const hosts = useResource(() => hostsApi.list(), []);
  const names = useMemo(
    () => new Map((containers.data?.items ?? []).map((c) => [c.id, c.name])),
    [containers.data],
  );

  const sentinel = useInfiniteScroll<HTMLDivElement>(
    loadOlder,
    feed.loaded && feed.next !== null && !loading,
  );

  const showNew = () => {
    window.scrollTo({ top: 0 });
    dispatch({ type: 'follow', following: true });
  };

  return (
    <>
      <PageHeader title="Events">
        {live.via === 'stream' && <LiveIndicator status={live.status} paused={!feed.following} />}
        {live.via === 'poll' && (
          <span className="muted small" title="The live stream is for admins.">
            refreshed every few seconds
          </span>
        )}
      </PageHeader>
      {live.via === 'stream' && <ConnectionBanner status={live.status} what="live events" />}
      <EventFilters
        filter={filter}
        onChange={(next) => setParams(paramsFromFilter(next))}
        workloads={workloads.data?.items ?? []}
        containers={containers.data?.items ?? []}
        rules={rules.data?.items ?? []}
        hosts={hosts.data?.items ?? []}
      />
      {feed.dropped > 0 && (
        <div className="banner banner-warn" role="status">
          {feed.dropped} live events were dropped because this page could not keep up; scroll or
          reload to read them.
        </div>
      )}
      {feed.pending.length > 0 && (
        <button
          type="button"
          className="new-events"
          onClick={showNew}
          data-testid="show-new-events"
        >
          {feed.gap ? 'More than ' : ''}
          {feed.pending.length} new event{feed.pending.length === 1 ? '' : 's'} — show
        </button>
      )}
      <ErrorMessage error={error}>
        <button type="button" className="small" onClick={retry}>
          Retry
        </button>
      </ErrorMessage>
      <ul className="event-list" aria-label="Events" aria-busy={!feed.loaded}>
        {feed.items.map((event) => (
          <EventRow key={event.id} event={event} names={names} now={now} />
        ))}
      </ul>
      {feed.loaded && feed.items.length === 0 && (
        <p className="empty">
          No events match these filters yet. New ones appear here as they happen.
        </p>
      )}
      <div ref={sentinel} className="list-end muted small">
        {loading
          ? 'Loading…'
          : feed.loaded && feed.next === null && feed.items.length > 0
            ? 'The beginning of the log.'
            : ''}
      </div>
    </>
  );
}
