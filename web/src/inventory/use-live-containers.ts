import { useEffect, useMemo, useState } from 'react';
import { streamUrls } from '../api/streams';
import type { Container, InventoryChange, InventorySnapshot } from '../api/types';
import { useBatched } from '../hooks/use-batched';
import { useEventSource, type StreamStatus } from '../hooks/use-event-source';
import { applyMessages, nextFold, type InventoryMessage, type LiveIndex } from './live-index';

export interface LiveContainers {
  /** Every container the index holds, gone ones too; undefined until the first snapshot. */
  containers: Container[] | undefined;
  goneHideAfterMs: number;
  /** The time the fold of gone containers was judged at (it moves when one folds). */
  now: number;
  status: StreamStatus;
}

/**
 * The containers index, live from /api/stream/inventory: no polling. Every connection,
 * the browser's own reconnects included, starts with a snapshot that replaces what was
 * held, so a page resyncs by itself; after `dropped` the stream is reopened for one.
 */
export function useLiveContainers(): LiveContainers {
  const [index, setIndex] = useState<LiveIndex | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const push = useBatched<InventoryMessage>(
    (messages) => setIndex((current) => applyMessages(current, messages)),
    100,
  );
  const status = useEventSource(streamUrls.inventory, {
    events: {
      snapshot: (data) =>
        push({ kind: 'snapshot', snapshot: JSON.parse(data) as InventorySnapshot }),
    },
    onMessage: (data) => push({ kind: 'change', change: JSON.parse(data) as InventoryChange }),
    restartOn: ['dropped'],
  });
  const containers = useMemo(() => (index ? [...index.containers.values()] : undefined), [index]);
  const goneHideAfterMs = index?.goneHideAfterMs ?? 0;
  // Judged again whenever the index changes or a listed gone container's time is up.
  useEffect(() => setNow(Date.now()), [index]);
  useEffect(() => {
    if (!containers) return;
    const at = nextFold(containers, now, goneHideAfterMs);
    if (at === null) return;
    const timer = setTimeout(() => setNow(Date.now()), at - Date.now() + 50);
    return () => clearTimeout(timer);
  }, [containers, now, goneHideAfterMs]);
  return { containers, goneHideAfterMs, now, status };
}
