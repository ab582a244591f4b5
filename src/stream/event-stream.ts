import type { EventFilter, EventList, EventPage, StoredEvent } from '../events/index.js';
import type { Broadcaster } from './broadcaster.js';
import { compileFilter, type StreamFilter } from './filter.js';
import type { SseFrame, SseWriter } from './sse-writer.js';

/** The event log read forward from an id (the events domain's keyset page). */
export interface EventHistory {
  list(filter: EventFilter, page: EventPage): Promise<EventList>;
}

export interface EventStreamRequest {
  filter: StreamFilter;
  /** Resume after this event id (Last-Event-ID) from the event log; null primes from the ring. */
  after: number | null;
  /** At most this many events of the history ring; default all it holds. */
  history?: number;
  /** This client's frames (what it may see of an event); default the streamer's. */
  toFrame?: EventFrame;
}

const PAGE = 500;

/** Turns an event into its SSE frame; `id:` is the event id, so clients can resume. */
export type EventFrame = (event: StoredEvent) => SseFrame;

/**
 * Serves the live event stream to one SSE client: first what it missed (the history
 * ring, or the event log after its Last-Event-ID), then live events from the
 * broadcaster, in id order and never twice.
 */
export class EventStreamer {
  constructor(
    private readonly deps: {
      broadcaster: Broadcaster<StoredEvent>;
      history: EventHistory;
      toFrame: EventFrame;
    },
  ) {}

  async stream(writer: SseWriter, request: EventStreamRequest): Promise<void> {
    if (writer.isClosed) return;
    const matches = compileFilter(request.filter);
    const { broadcaster } = this.deps;
    const toFrame = request.toFrame ?? this.deps.toFrame;
    if (request.after === null) {
      // Snapshot and subscribe in the same turn: publishing is synchronous, so nothing
      // can fall between the two, and nothing is in both.
      const primed = broadcaster.snapshot(matches, request.history ?? Infinity);
      const sub = broadcaster.subscribe({ matches, onWake: () => writer.wake() });
      writer.onClose(sub.unsubscribe);
      for (const event of primed) {
        if (writer.isClosed) return;
        writer.send(toFrame(event));
        await writer.ready();
      }
      writer.follow(sub.queue, toFrame);
      return;
    }

    // Catch up from the database until it has nothing newer, then subscribe, then read
    // once more for what was recorded in between. An event is published a moment after
    // it is committed, so one read by either catch-up may still arrive live: every id
    // sent so far is remembered (the oldest beyond a bound only as a floor) and dropped
    // from the live queue.
    const sent = new SentIds();
    let last = await this.catchUp(writer, request.filter, request.after, sent, toFrame);
    if (last === null) return;
    const sub = broadcaster.subscribe({ matches, onWake: () => writer.wake() });
    writer.onClose(sub.unsubscribe);
    last = await this.catchUp(writer, request.filter, last, sent, toFrame);
    if (last === null) return;
    writer.follow(sub.queue, (event) => (sent.has(event.id) ? null : toFrame(event)));
  }

  /** Writes the stored events after `after`; returns the last id written, null if closed. */
  private async catchUp(
    writer: SseWriter,
    filter: StreamFilter,
    after: number,
    sent: SentIds,
    toFrame: EventFrame,
  ): Promise<number | null> {
    let cursor = after;
    for (;;) {
      const page = await this.deps.history.list(filter, { after: cursor, limit: PAGE });
      for (const event of page.items) {
        if (writer.isClosed) return null;
        writer.send(toFrame(event));
        sent.add(event.id);
        cursor = event.id;
        await writer.ready();
      }
      if (writer.isClosed) return null;
      if (page.next === null) return cursor;
    }
  }
}

/**
 * The ids a catch-up sent, so that the live queue does not send them twice. The newest
 * 10 000 are kept; anything older is below a floor and counts as sent (a live publish
 * lags its commit by moments, not by thousands of events).
 */
class SentIds {
  private readonly ids = new Set<number>();
  private floor = -Infinity;

  add(id: number): void {
    this.ids.add(id);
    if (this.ids.size > 10_000) {
      const oldest = this.ids.values().next().value!;
      this.ids.delete(oldest);
      this.floor = Math.max(this.floor, oldest);
    }
  }

  has(id: number): boolean {
    return id <= this.floor || this.ids.has(id);
  }
}
