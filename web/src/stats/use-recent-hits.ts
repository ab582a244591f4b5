import { useMemo } from 'react';
import { useInterval } from '../hooks/use-interval';
import { useResource } from '../hooks/use-resource';
import { bucketHits, DAY_HOURS, HOUR_MS, type HitBuckets } from './hit-buckets';
import { recentEvents } from './recent-events';

/** Rule hits over the last day, re-read every `refreshMs`. */
export function useRecentHits(cap = 5000, refreshMs = 30_000) {
  const resource = useResource(async () => {
    const now = Date.now();
    const since = new Date(now - DAY_HOURS * HOUR_MS).toISOString();
    const read = await recentEvents({ source: 'logscan', since }, cap);
    return { ...read, now };
  }, []);
  useInterval(resource.reload, refreshMs);
  const buckets = useMemo<HitBuckets | undefined>(
    () => (resource.data ? bucketHits(resource.data.items, resource.data.now) : undefined),
    [resource.data],
  );
  return { buckets, truncated: resource.data?.truncated ?? false, error: resource.error };
}
