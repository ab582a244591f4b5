import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { eventsApi, type EventFilter } from '../../api/events';
import { streamUrls } from '../../api/streams';
import type { LogEvent } from '../../api/types';
import { useBatched } from '../../hooks/use-batched';
import { useEventSource, type StreamStatus } from '../../hooks/use-event-source';
import { useInterval } from '../../hooks/use-interval';
import { feedReducer, initialFeed } from './feed-state';
import { filterKey } from './filters';

const PAGE = 100;
/** Without the stream (a viewer), new events are read this often. */
const POLL_MS = 5000;

/** How the feed learns of new events: the live stream (admins), polling, or not at all. */
export type FeedLive = { via: 'stream'; status: StreamStatus } | { via: 'poll' } | { via: 'none' };

/**
 * The events feed: the newest page from /api/events, live events from the stream
 * (rendered in batches), older pages on demand. A new filter starts it over. The stream
 * is for admins; a viewer's feed polls for what is newer. A range that ends (`until`)
 * is not live.
 */
export function useEventFeed(filter: EventFilter, canStream: boolean) {
  const key = filterKey(filter);
  const [feed, dispatch] = useReducer(feedReducer, initialFeed);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const generation = useRef(0);
  const filterRef = useRef(filter);
  filterRef.current = filter;

  useEffect(() => {
    generation.current += 1;
    dispatch({ type: 'reset' });
  }, [key]);

  const load = useCallback(async (before?: number) => {
    const gen = generation.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await eventsApi.list(filterRef.current, { before, limit: PAGE });
      if (gen === generation.current)
        dispatch({ type: 'page', items: page.items, next: page.next });
    } catch (err) {
      if (gen === generation.current) setError(err);
    } finally {
      // Also after a stale load: the effect below then reads the new filter's first page.
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (!feed.loaded && !loading && !error) void load();
  }, [feed.loaded, loading, error, load]);

  const loadOlder = useCallback(() => {
    if (feed.next !== null && !loading) void load(feed.next);
  }, [feed.next, loading, load]);

  // Batched for 200 ms: a batch the old filter's stream filled is dropped, not shown
  // under the new filter.
  const pushBatched = useBatched<{ gen: number; event: LogEvent }>((items) =>
    dispatch({
      type: 'live',
      events: items.filter((i) => i.gen === generation.current).map((i) => i.event),
    }),
  );
  const push = useCallback(
    (event: LogEvent) => pushBatched({ gen: generation.current, event }),
    [pushBatched],
  );
  const newest = useRef<number | null>(null);
  newest.current = feed.items[0]?.id ?? null;

  /** What was recorded after the newest event shown (all of the newest page when none is). */
  const readNewer = useCallback(async () => {
    const after = newest.current ?? undefined;
    const gen = generation.current;
    try {
      const page = await eventsApi.list(filterRef.current, { after, limit: after ? 500 : PAGE });
      if (gen === generation.current) dispatch({ type: 'live', events: page.items });
    } catch {
      // The next poll, or the stream, tries again.
    }
  }, []);

  const mode = filter.until ? 'none' : canStream ? 'stream' : 'poll';
  // The page is read alongside: the stream only needs to cover the moments between.
  const status = useEventSource(mode === 'stream' ? streamUrls.events(filter, PAGE) : null, {
    onMessage: (data) => {
      try {
        push(JSON.parse(data) as LogEvent);
      } catch {
        // A message that is not an event is not ours to show.
      }
    },
    events: {
      dropped: (data) => {
        const count = Number((JSON.parse(data) as { count?: number }).count ?? 0);
        if (count > 0) dispatch({ type: 'dropped', count });
      },
    },
    onReopen: (how) => {
      // The browser resumed with Last-Event-ID; a fresh connection did not: read what
      // came in while we were away.
      if (how === 'fresh') void readNewer();
    },
  });

  useInterval(() => void readNewer(), mode === 'poll' && feed.loaded ? POLL_MS : null);

  const retry = useCallback(() => setError(undefined), []);
  const live: FeedLive =
    mode === 'stream'
      ? { via: 'stream', status }
      : mode === 'poll'
        ? { via: 'poll' }
        : { via: 'none' };
  return { feed, dispatch, live, loading, error, loadOlder, retry };
}
