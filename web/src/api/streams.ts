import { query } from './client';
import type { EventFilter } from './events';

/**
 * Server-sent event streams (docs/stream.md): events need an admin, logs the log
 * permission (auth.viewers_read_logs), the inventory any signed-in user. EventSource resends Last-Event-ID when it reconnects.
 */
export const streamUrls = {
  /** The live events matching the filter (no time range: live is now), after `history` recent ones. */
  events: (filter: EventFilter, history: number) =>
    `/api/stream/events${query({
      severity: filter.severity,
      source: filter.source,
      workload: filter.workload,
      container: filter.container,
      rule: filter.rule,
      host: filter.host,
      q: filter.q,
      history,
    })}`,
  /** The containers index: a snapshot on every connection, then each change. */
  inventory: '/api/stream/inventory',
  /** One container's log: the last `tail` lines, then each new one. */
  logs: (containerId: string, tail: number) =>
    `/api/stream/logs/${encodeURIComponent(containerId)}${query({ tail })}`,
};
