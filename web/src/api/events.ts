import { http, query, type Page } from './client';
import type { EventSource, LogEvent, Severity } from './types';

/** The filters /api/events and /api/stream/events share. */
export interface EventFilter {
  severity?: Severity;
  source?: EventSource;
  workload?: string;
  container?: string;
  rule?: string;
  /** A host id (scale-out); `local`: the serving process's own engine. */
  host?: string;
  q?: string;
  since?: string;
  until?: string;
}

export const eventsApi = {
  list: (filter: EventFilter, page: { before?: number; after?: number; limit?: number } = {}) =>
    http.get<Page<LogEvent> & { next: number | null }>(
      `/api/events${query({ ...filter, ...page })}`,
    ),
  get: (id: number) => http.get<LogEvent>(`/api/events/${id}`),
};
