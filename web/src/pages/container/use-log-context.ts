import { useCallback, useEffect, useRef, useState } from 'react';
import { historyLines, linesBefore, type HistoryQuery } from '../../api/logs';
import { emptyContext, mergeContext, type ContextLines } from './context-lines';
import { endOfMillisecond } from './timestamps';

/** Lines read on each side of the moment at first, and on each "load more". */
const CONTEXT_LINES = 50;
const MORE_LINES = 200;

/** Where "see in context" opens a container's log (from the page's URL). */
export interface ContextTarget {
  /** A line's timestamp: the lines before and after it, that line highlighted. */
  at: string | null;
  stream: string | null;
  /** A moment (an exit): the last lines up to it. */
  until: string | null;
}

type Side = 'earlier' | 'later';

/**
 * A piece of a container's history around a moment, read through the history API, and
 * more of it either way on demand. Not live: it is the log as it was.
 */
export function useLogContext(containerId: string, target: ContextTarget) {
  const [context, setContext] = useState<ContextLines>(emptyContext);
  const [loading, setLoading] = useState<Side | 'first' | null>('first');
  const [error, setError] = useState<unknown>(null);
  /** A read stopped at the server's limit (lines scanned, time): what it holds may be partial. */
  const [cut, setCut] = useState(false);
  /** Asked for more and got nothing new: the start of the log, or nothing newer yet. */
  const [exhausted, setExhausted] = useState<Record<Side, boolean>>({
    earlier: false,
    later: false,
  });
  const current = useRef(context);
  current.current = context;
  const aborts = useRef(new Set<AbortController>());

  const read = useCallback(
    async (pieces: HistoryQuery[], side: Side | 'first') => {
      const abort = new AbortController();
      aborts.current.add(abort);
      setLoading(side);
      setError(null);
      try {
        const read = await Promise.all(
          pieces.map((q) =>
            q.until !== undefined && q.tail !== undefined
              ? linesBefore(containerId, { until: q.until, tail: q.tail }, abort.signal)
              : historyLines(containerId, q, abort.signal),
          ),
        );
        if (read.some((r) => r.end?.reason === 'scan_limit' || r.end?.reason === 'time_limit')) {
          setCut(true);
        }
        const lines = read
          .flatMap((r) => r.lines)
          .map((l) => ({ ...l, origin: 'history' as const }));
        const { context: next, added } = mergeContext(current.current, lines);
        current.current = next;
        setContext(next);
        if (side !== 'first') setExhausted((e) => ({ ...e, [side]: added === 0 }));
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setError(err);
      } finally {
        aborts.current.delete(abort);
        if (!abort.signal.aborted) setLoading(null);
      }
    },
    [containerId],
  );

  const { at, until } = target;
  useEffect(() => {
    const pieces: HistoryQuery[] = at
      ? [
          { until: at, tail: CONTEXT_LINES },
          { since: at, limit: CONTEXT_LINES },
        ]
      : until
        ? // Logwarden keeps milliseconds: take every line of the exit's millisecond.
          [{ until: endOfMillisecond(until), tail: CONTEXT_LINES }]
        : [];
    if (pieces.length > 0) void read(pieces, 'first');
    const running = aborts.current;
    return () => {
      for (const abort of running) abort.abort();
    };
  }, [at, until, read]);

  const more = useCallback(
    (side: Side) => {
      const lines = current.current.lines.filter((l) => l.timestamp !== null);
      const edge = side === 'earlier' ? lines[0] : lines[lines.length - 1];
      const from = edge?.timestamp ?? at ?? until;
      if (!from) return;
      void read(
        [
          side === 'earlier'
            ? { until: from, tail: MORE_LINES }
            : { since: from, limit: MORE_LINES },
        ],
        side,
      );
    },
    [read, at, until],
  );

  return { lines: context.lines, loading, error, exhausted, cut, more };
}
