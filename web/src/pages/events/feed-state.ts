import type { LogEvent } from '../../api/types';

/** Rows kept while following the live feed; older ones are read again on scroll. */
export const LIVE_CAP = 500;
/** New events held while the reader is scrolled away; beyond that the feed reloads. */
export const PENDING_CAP = 1000;

export interface FeedState {
  /** Newest first. */
  items: LogEvent[];
  /** `before` cursor for older events; null when the history is exhausted. */
  next: number | null;
  loaded: boolean;
  /** New events held back while the reader is not at the top. */
  pending: LogEvent[];
  /** More arrived than PENDING_CAP: showing them means reading the feed afresh. */
  gap: boolean;
  following: boolean;
  /** Events the server dropped for this client (a slow connection). */
  dropped: number;
}

export type FeedAction =
  | { type: 'reset' }
  | { type: 'page'; items: LogEvent[]; next: number | null }
  | { type: 'live'; events: LogEvent[] }
  | { type: 'follow'; following: boolean }
  | { type: 'dropped'; count: number };

export const initialFeed: FeedState = {
  items: [],
  next: null,
  loaded: false,
  pending: [],
  gap: false,
  following: true,
  dropped: 0,
};

/** Merges without duplicates, newest first (ids grow with time). */
function merge(a: readonly LogEvent[], b: readonly LogEvent[]): LogEvent[] {
  const byId = new Map<number, LogEvent>();
  for (const e of a) byId.set(e.id, e);
  for (const e of b) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()].sort((x, y) => y.id - x.id);
}

/** While following, only the newest LIVE_CAP rows stay; the cursor points past them. */
function capLive(state: FeedState, items: LogEvent[]): FeedState {
  if (items.length <= LIVE_CAP) return { ...state, items };
  const kept = items.slice(0, LIVE_CAP);
  return { ...state, items: kept, next: kept[kept.length - 1]!.id };
}

export function feedReducer(state: FeedState, action: FeedAction): FeedState {
  switch (action.type) {
    case 'reset':
      return { ...initialFeed, following: state.following };
    case 'page':
      // Live events that came in while the page loaded are kept.
      return { ...state, items: merge(state.items, action.items), next: action.next, loaded: true };
    case 'live': {
      if (action.events.length === 0) return state;
      if (state.following) return capLive(state, merge(action.events, state.items));
      const shown = new Set(state.items.map((e) => e.id));
      const fresh = action.events.filter((e) => !shown.has(e.id));
      let pending = merge(fresh, state.pending);
      let gap = state.gap;
      if (pending.length > PENDING_CAP) {
        pending = pending.slice(0, PENDING_CAP);
        gap = true;
      }
      return { ...state, pending, gap };
    }
    case 'follow': {
      if (!action.following) return { ...state, following: false };
      if (state.gap) return { ...initialFeed, following: true };
      return capLive({ ...state, following: true, pending: [] }, merge(state.pending, state.items));
    }
    case 'dropped':
      return { ...state, dropped: state.dropped + action.count };
  }
}
