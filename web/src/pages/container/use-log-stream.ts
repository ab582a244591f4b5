import { useCallback, useEffect, useState } from 'react';
import { streamUrls } from '../../api/streams';
import type { LogLine } from '../../api/types';
import { useBatched } from '../../hooks/use-batched';
import { useEventSource } from '../../hooks/use-event-source';
import { append, emptyBuffer, setPaused, type LogBuffer } from './log-buffer';

export const TAIL_LINES = 500;

/** A container's log, live: the last TAIL_LINES lines, then every new one (in batches). */
export function useLogStream(containerId: string, enabled: boolean) {
  const [buffer, setBuffer] = useState<LogBuffer>(emptyBuffer);
  useEffect(() => setBuffer(emptyBuffer), [containerId]);
  const push = useBatched<LogLine>((lines) => setBuffer((b) => append(b, lines)), 100);
  const status = useEventSource(enabled ? streamUrls.logs(containerId, TAIL_LINES) : null, {
    onMessage: (data) => {
      try {
        const line = JSON.parse(data) as LogLine;
        push({ ...line, rules: Array.isArray(line.rules) ? line.rules : [] });
      } catch {
        // Not a log line.
      }
    },
    // A fresh connection sends the tail again: start from it rather than repeat lines.
    onResumed: () => setBuffer((b) => ({ ...emptyBuffer, paused: b.paused })),
  });
  const pause = useCallback((paused: boolean) => setBuffer((b) => setPaused(b, paused)), []);
  return { buffer, status, pause };
}
