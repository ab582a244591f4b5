import { useEffect, useRef, useState } from 'react';
import { http } from '../api/client';

/** `lost` covers both the browser's own reconnect and ours after it gave up. */
export type StreamStatus = 'connecting' | 'open' | 'lost';

export interface StreamHandlers {
  /** An unnamed message: its data and its `id:` (the event id for the events stream). */
  onMessage?: (data: string, id: string) => void;
  /** Named messages such as `event: dropped`. The set of names is read once. */
  events?: Record<string, (data: string) => void>;
  /**
   * A new connection replaced one the browser had given up on: it carries no
   * Last-Event-ID, so the caller catches up what was missed (e.g. /api/events?after=).
   */
  onResumed?: () => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Follows a server-sent event stream. A dropped connection is retried by the browser
 * with Last-Event-ID, so nothing is missed; an answer that is not a stream (a restart, a
 * 401, a 503) makes the browser give up, and then we start over with a backoff.
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
    let stopped = false;

    const connect = () => {
      const es = new EventSource(url);
      source = es;
      es.onopen = () => {
        const resumed = failures > 0;
        failures = 0;
        setStatus('open');
        if (resumed) latest.current.onResumed?.();
      };
      es.onmessage = (m: MessageEvent<string>) => latest.current.onMessage?.(m.data, m.lastEventId);
      for (const name of Object.keys(latest.current.events ?? {})) {
        es.addEventListener(name, (m) =>
          latest.current.events?.[name]?.((m as MessageEvent<string>).data),
        );
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
        retry = setTimeout(connect, delay);
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
