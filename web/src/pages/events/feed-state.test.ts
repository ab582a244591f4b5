import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../api/types';
import { feedReducer, initialFeed, LIVE_CAP, PENDING_CAP, type FeedState } from './feed-state';

function ev(id: number): LogEvent {
  return {
    id,
    created_at: new Date(1_800_000_000_000 + id).toISOString(),
    source: 'logscan',
    severity: 'error',
    message: `event ${id}`,
    metadata: {},
    workload_id: null,
    container_id: null,
    rule_id: null,
    incident_id: null,
    silenced_by: null,
    host_id: null,
  };
}
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ev(from + i));
const ids = (s: FeedState) => s.items.map((e) => e.id);

describe('events feed state', () => {
  it('merges live events newest first without duplicates, keeping what loaded meanwhile', () => {
    let s = feedReducer(initialFeed, { type: 'live', events: [ev(5), ev(7)] });
    s = feedReducer(s, { type: 'page', items: [ev(6), ev(5), ev(4)], next: 4 });
    s = feedReducer(s, { type: 'live', events: [ev(7), ev(8)] });
    expect(ids(s)).toEqual([8, 7, 6, 5, 4]);
    expect(s.loaded).toBe(true);
    expect(s.next).toBe(4);
  });

  it('keeps only the newest LIVE_CAP rows while following and points the cursor past them', () => {
    let s = feedReducer(initialFeed, { type: 'page', items: range(1, 100).reverse(), next: null });
    s = feedReducer(s, { type: 'live', events: range(101, 100 + LIVE_CAP) });
    expect(s.items).toHaveLength(LIVE_CAP);
    expect(s.items[0]!.id).toBe(100 + LIVE_CAP);
    // Scrolling down reads the older ones again from the server.
    expect(s.next).toBe(101);
  });

  it('holds new events while the reader is away, then shows them on follow', () => {
    let s = feedReducer(initialFeed, { type: 'page', items: [ev(2), ev(1)], next: null });
    s = feedReducer(s, { type: 'follow', following: false });
    s = feedReducer(s, { type: 'live', events: [ev(3), ev(2), ev(4)] });
    expect(ids(s)).toEqual([2, 1]);
    expect(s.pending.map((e) => e.id)).toEqual([4, 3]);
    s = feedReducer(s, { type: 'follow', following: true });
    expect(ids(s)).toEqual([4, 3, 2, 1]);
    expect(s.pending).toEqual([]);
  });

  it('starts over when more arrived while away than it holds', () => {
    let s = feedReducer(initialFeed, { type: 'page', items: [ev(1)], next: null });
    s = feedReducer(s, { type: 'follow', following: false });
    s = feedReducer(s, { type: 'live', events: range(2, PENDING_CAP + 10) });
    expect(s.pending).toHaveLength(PENDING_CAP);
    expect(s.gap).toBe(true);
    s = feedReducer(s, { type: 'follow', following: true });
    expect(s.loaded).toBe(false);
    expect(s.items).toEqual([]);
    expect(s.following).toBe(true);
  });

  it('appends older pages and counts what the server dropped', () => {
    let s = feedReducer(initialFeed, { type: 'page', items: [ev(9), ev(8)], next: 8 });
    s = feedReducer(s, { type: 'page', items: [ev(7), ev(6)], next: null });
    s = feedReducer(s, { type: 'dropped', count: 3 });
    s = feedReducer(s, { type: 'dropped', count: 2 });
    expect(ids(s)).toEqual([9, 8, 7, 6]);
    expect(s.next).toBeNull();
    expect(s.dropped).toBe(5);
    expect(feedReducer(s, { type: 'reset' })).toEqual({ ...initialFeed, following: true });
  });
});
