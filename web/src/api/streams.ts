import { query } from './client';
import type { EventFilter } from './events';

/** Server-sent event streams (EventSource resends Last-Event-ID when it reconnects). */
export const streamUrls = {
  events: (filter: EventFilter) => `/api/stream/events${query({ ...filter })}`,
  logs: (containerId: string, tail: number) =>
    `/api/stream/logs/${encodeURIComponent(containerId)}${query({ tail })}`,
};
