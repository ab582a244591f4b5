import { useCallback, useEffect, useState } from 'react';
import type { LogLine } from '../../api/types';
import { useBatched } from '../../hooks/use-batched';
import { emptyMerge, hold, nextRelease, release, type MergeState } from './merge-lines';

interface Arrived {
  containerId: string;
  line: LogLine;
  at: number;
}

/** The merged view's lines: each container's lines held briefly, then shown in time order. */
export function useMergedLogs() {
  const [state, setState] = useState<MergeState>(emptyMerge);
  const flush = useBatched<Arrived>((items) => {
    setState((current) => {
      let next = current;
      // One hold per run of lines of the same container and arrival, in arrival order.
      let start = 0;
      for (let i = 1; i <= items.length; i++) {
        const a = items[start]!;
        const b = items[i];
        if (b && b.containerId === a.containerId && b.at === a.at) continue;
        next = hold(
          next,
          a.containerId,
          items.slice(start, i).map((x) => x.line),
          a.at,
        );
        start = i;
      }
      return release(next, Date.now());
    });
  }, 100);
  const push = useCallback(
    (containerId: string, line: LogLine) => flush({ containerId, line, at: Date.now() }),
    [flush],
  );
  // Held lines are shown once their window has passed, even if nothing else arrives.
  useEffect(() => {
    const due = nextRelease(state);
    if (due === null) return;
    const timer = setTimeout(
      () => setState((s) => release(s, Date.now())),
      Math.max(0, due - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [state]);
  return { state, push };
}
