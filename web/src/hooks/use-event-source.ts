import { useEffect, useRef, useState } from 'react';
import { http } from '../api/client';

/**
 * `lost` covers both the browser's own reconnect and ours after it gave up; `ended`: the
 * server said the stream is over (a stopped container's log).
 */
export type StreamStatus = 'connecting' | 'open' | 'lost' | 'ended';

export interface StreamHandlers {
  /** An unnamed message: its data and its `id:` (the event id for the events stream). */
  onMessage?: (data: string, id: string) => void;
  /** Named messages such as `event: dropped`. The set of names is read once. */
  events?: Record<string, (data: string) => void>;
  /** Named messages after which nothing more comes: the stream is closed, not retried. */
  endOn?: readonly string[];
  /**
   * Named messages after which the stream is opened again after RESTART_DELAY_MS, as a
   * fresh connection (a stream whose every connection starts with a snapshot, after it
   * dropped messages). The snapshot brings the caller up to date, so no onReopen.
   */
  restartOn?: readonly string[];
  /**
   * A connection opened again after one was lost. `browser`: the browser reconnected by
   * itself and sent Last-Event-ID; `fresh`: a new connection replaced one the browser had
   * given up on, so it carries no Last-Event-ID and the caller catches up itself.
   */
  onReopen?: (how: 'browser' | 'fresh') => void;
}

const MAX_BACKOFF_MS = 30_000;
/**
 * A client that keeps falling behind would otherwise loop snapshot, dropped, snapshot
 * as fast as the server can send them.
 */
const RESTART_DELAY_MS = 1000;

/**
 * Follows a server-sent event stream. A dropped connection is retried by the browser
 * with Last-Event-ID, so nothing is missed; an answer that is not a stream (a 401, a
 * 503) makes the browser give up, and then we start over with a backoff.
 */
export function useEventSource(url: string | null, handlers: StreamHandlers): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (url === null) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let failures = 0;
    let opened = false;
    let stopped = false;

    const connect = (restarted = false) => {
      const es = new EventSource(url);
      source = es;
      // Only this connection's first open is ours; later ones are the browser's reconnects.
      let quiet = restarted;
      es.onopen = () => {
        const fresh = failures > 0;
        failures = 0;
        setStatus('open');
        if (opened && !quiet) latest.current.onReopen?.(fresh ? 'fresh' : 'browser');
        opened = true;
        quiet = false;
      };
      es.onmessage = (m: MessageEvent<string>) => latest.current.onMessage?.(m.data, m.lastEventId);
      const named = new Set([
        ...Object.keys(latest.current.events ?? {}),
        ...(latest.current.endOn ?? []),
        ...(latest.current.restartOn ?? []),
      ]);
      for (const name of named) {
        es.addEventListener(name, (m) => {
          latest.current.events?.[name]?.((m as MessageEvent<string>).data);
          if (latest.current.restartOn?.includes(name)) {
            es.close();
            retry = setTimeout(() => connect(true), RESTART_DELAY_MS);
            return;
          }
          if (!latest.current.endOn?.includes(name)) return;
          stopped = true;
          es.close();
          setStatus('ended');
        });
      }
      es.onerror = () => {
        if (stopped) return;
        setStatus('lost');
        if (es.readyState !== EventSource.CLOSED) return;
        es.close();
        failures += 1;
        // A 401 on the stream says nothing itself; asking /api/me ends the session then.
        http.get('/api/me').catch(() => undefined);
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(failures - 1, 5));
        retry = setTimeout(() => connect(), delay);
      };
    };

    setStatus('connecting');
    connect();
    return () => {
      stopped = true;
      source?.close();
      if (retry) clearTimeout(retry);
    };
  }, [url]);

  return status;
}
