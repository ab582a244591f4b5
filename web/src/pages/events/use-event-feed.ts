import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { eventsApi, type EventFilter } from '../../api/events';
import { streamUrls } from '../../api/streams';
import type { LogEvent } from '../../api/types';
import { useBatched } from '../../hooks/use-batched';
import { useEventSource } from '../../hooks/use-event-source';
import { feedReducer, initialFeed } from './feed-state';
import { filterKey } from './filters';

const PAGE = 100;

/**
 * The events feed: the newest page from /api/events, live events from the stream
 * (rendered in batches), older pages on demand. A new filter starts it over.
 */
export function useEventFeed(filter: EventFilter) {
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

  const push = useBatched<LogEvent>((events) => dispatch({ type: 'live', events }));
  const newest = useRef<number | null>(null);
  newest.current = feed.items[0]?.id ?? null;

  const status = useEventSource(streamUrls.events(filter), {
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
    onResumed: () => {
      // A fresh connection replays nothing: read what came in while we were away.
      const after = newest.current;
      if (after === null) return;
      eventsApi.list(filterRef.current, { after, limit: 500 }).then(
        (page) => dispatch({ type: 'live', events: page.items }),
        () => undefined,
      );
    },
  });

  const retry = useCallback(() => setError(undefined), []);
  return { feed, dispatch, status, loading, error, loadOlder, retry };
}
