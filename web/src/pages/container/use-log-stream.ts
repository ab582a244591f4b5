import { useCallback, useEffect, useRef, useState } from 'react';
import { streamUrls } from '../../api/streams';
import type { LogLine, LogStreamEnd } from '../../api/types';
import { useBatched } from '../../hooks/use-batched';
import { useEventSource } from '../../hooks/use-event-source';
import { append, emptyBuffer, setPaused, type LogBuffer } from './log-buffer';

export const TAIL_LINES = 500;

export interface LogStreamOptions {
  /** false (a viewer: the stream is for admins; a log Docker cannot read) opens nothing. */
  enabled: boolean;
  /** The container's current run (its start time while running, else null). */
  run: string | null;
  /** The stream started over: it sends the tail again. */
  onReopen?: () => void;
}

/**
 * A container's log, live: the last TAIL_LINES lines, then every new one (in batches).
 * When the container stops, the stream ends (`event: end`); it starts again once the
 * container runs anew.
 */
export function useLogStream(containerId: string, { enabled, run, onReopen }: LogStreamOptions) {
  const [buffer, setBuffer] = useState<LogBuffer>(emptyBuffer);
  /** How the stream ended, and during which run. */
  const [end, setEnd] = useState<(LogStreamEnd & { run: string | null }) | null>(null);
  /** Lines the server left out because this page fell behind. */
  const [dropped, setDropped] = useState(0);
  const runNow = useRef(run);
  runNow.current = run;
  useEffect(() => {
    setBuffer(emptyBuffer);
    setEnd(null);
    setDropped(0);
  }, [containerId]);
  // A new run of a container whose log had ended: follow it again, from its tail.
  useEffect(() => {
    if (end && run !== null && run !== end.run) {
      setEnd(null);
      setBuffer((b) => ({ ...emptyBuffer, paused: b.paused }));
    }
  }, [end, run]);
  const push = useBatched<LogLine>((lines) => setBuffer((b) => append(b, lines)), 100);
  const url = enabled && !end ? streamUrls.logs(containerId, TAIL_LINES) : null;
  const status = useEventSource(url, {
    onMessage: (data) => {
      try {
        push(JSON.parse(data) as LogLine);
      } catch {
        // Not a log line.
      }
    },
    events: {
      end: (data) => setEnd({ ...(JSON.parse(data) as LogStreamEnd), run: runNow.current }),
      dropped: (data) =>
        setDropped((n) => n + Number((JSON.parse(data) as { count?: number }).count ?? 0)),
    },
    // A stopped container's log ends: the browser must not ask for it again and again.
    endOn: ['end'],
    // A new connection sends the tail again: start from it rather than repeat lines.
    onReopen: () => {
      setBuffer((b) => ({ ...emptyBuffer, paused: b.paused }));
      onReopen?.();
    },
  });
  const pause = useCallback((paused: boolean) => setBuffer((b) => setPaused(b, paused)), []);
  return { buffer, status, pause, end, dropped };
}
