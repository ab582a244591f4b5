import { SseSink } from '../../test/support/sse-sink.js';
import { describe, expect, it } from 'vitest';
import type { EventFilter, EventPage, StoredEvent } from '../events/index.js';
import { Broadcaster } from './broadcaster.js';
import { EventStreamer } from './event-stream.js';
import { SseWriter } from './sse-writer.js';

const event = (id: number) =>
  ({ id, source: 'system', severity: 'info', message: `e${id}` }) as StoredEvent;

describe('event streamer resume', () => {
  it('sends an event once when its publish lags its commit past the subscribe', async () => {
    const stored = [1, 2, 3, 4].map(event);
    const broadcaster = new Broadcaster<StoredEvent>();
    const history = {
      // The database already holds 4 when the catch-up reads: its publish comes later.
      list: async (_filter: EventFilter, page: EventPage) => ({
        items: stored.filter((e) => e.id > (page.after ?? 0)),
        next: null,
      }),
    };
    const streamer = new EventStreamer({
      broadcaster,
      history,
      toFrame: (e) => ({ id: String(e.id), data: e }),
    });
    const sink = new SseSink();
    const writer = new SseWriter(sink);
    await streamer.stream(writer, { filter: {}, after: 1 });
    broadcaster.publish(stored[3]!); // 4, committed before the catch-up, published after
    stored.push(event(5));
    broadcaster.publish(stored[4]!);
    await new Promise((r) => setTimeout(r, 20));
    writer.close();
    expect(sink.ids()).toEqual([2, 3, 4, 5]);
  });

  it('frames every event with the client’s own projection: primed, caught up and live', async () => {
    const withLines = (id: number) => ({
      ...event(id),
      context: { before: ['secret'], after: [] },
    });
    const broadcaster = new Broadcaster<StoredEvent>();
    broadcaster.publish(withLines(1));
    const stored = [withLines(1), withLines(2)];
    const history = {
      list: async (_filter: EventFilter, page: EventPage) => ({
        items: stored.filter((e) => e.id > (page.after ?? 0)),
        next: null,
      }),
    };
    const streamer = new EventStreamer({
      broadcaster,
      history,
      toFrame: (e) => ({ id: String(e.id), data: e }),
    });
    // What a principal who may not read logs gets: the event without its lines.
    const withheld = (e: StoredEvent) => {
      const { context: _withheld, ...rest } = e;
      return { id: String(e.id), data: rest };
    };
    for (const after of [null, 0]) {
      const sink = new SseSink();
      const writer = new SseWriter(sink);
      await streamer.stream(writer, { filter: {}, after, toFrame: withheld });
      broadcaster.publish(withLines(3));
      await new Promise((r) => setTimeout(r, 20));
      writer.close();
      expect(sink.ids().length).toBeGreaterThan(1);
      expect(sink.text).not.toContain('secret');
    }
  });
});
