import { useCallback, useEffect, useRef } from 'react';

/**
 * Collects items pushed at any rate and hands them to `flush` at most once per `ms`, so
 * a thousand stream messages a second cost a few renders, not a thousand.
 */
export function useBatched<T>(flush: (items: T[]) => void, ms = 200): (item: T) => void {
  const buffer = useRef<T[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(flush);
  latest.current = flush;

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return useCallback(
    (item: T) => {
      buffer.current.push(item);
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        const items = buffer.current;
        buffer.current = [];
        latest.current(items);
      }, ms);
    },
    [ms],
  );
}
