import { eventsApi, type EventFilter } from '../api/events';
import type { LogEvent } from '../api/types';

export interface RecentEvents {
  items: LogEvent[];
  /** More matched than `cap`: counts are lower bounds. */
  truncated: boolean;
}

/**
 * Every event matching `filter`, newest first, walking the keyset pages up to `cap`.
 * The API has no counts yet, so the overview counts what it reads, and says when it
 * stopped reading.
 */
export async function recentEvents(filter: EventFilter, cap: number): Promise<RecentEvents> {
  const items: LogEvent[] = [];
  let before: number | undefined;
  while (items.length < cap) {
    const page = await eventsApi.list(filter, { before, limit: Math.min(500, cap - items.length) });
    items.push(...page.items);
    if (page.next === null) return { items, truncated: false };
    before = page.next;
  }
  return { items, truncated: true };
}
