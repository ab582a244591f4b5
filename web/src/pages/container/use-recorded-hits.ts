import { useMemo } from 'react';
import { eventsApi } from '../../api/events';
import { useResource } from '../../hooks/use-resource';
import { lineKey } from './log-buffer';

/** The newest hits of a container read to mark its log: about a tail's worth. */
const HITS = 500;

/**
 * The rule hits the event log holds for a container, by line (stream and Docker's
 * timestamp, `metadata.line_ts`): the log viewer marks lines read from Docker with them.
 */
export function useRecordedHits(containerId: string, enabled: boolean) {
  const hits = useResource(
    async () =>
      enabled
        ? (await eventsApi.list({ container: containerId, source: 'logscan' }, { limit: HITS }))
            .items
        : [],
    [containerId, enabled],
  );
  const byLine = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const event of hits.data ?? []) {
      const { line_ts, stream, rule_name } = event.metadata;
      if (typeof line_ts !== 'string' || typeof stream !== 'string') continue;
      const key = lineKey(stream, line_ts);
      const name = typeof rule_name === 'string' ? rule_name : `rule ${event.rule_id ?? '?'}`;
      map.set(key, [...(map.get(key) ?? []), name]);
    }
    return map;
  }, [hits.data]);
  return { byLine, reload: hits.reload };
}
