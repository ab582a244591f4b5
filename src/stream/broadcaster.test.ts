import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Severity, StoredEvent } from '../events/index.js';
import { Broadcaster } from './broadcaster.js';
import { compileFilter } from './filter.js';
import { storedEvent } from '../../test/support/fixtures.js';

let nextId = 1;
function event(over: Partial<StoredEvent> = {}): StoredEvent {
  return storedEvent({ id: nextId++, created_at: 0, severity: 'warn', message: 'm', ...over });
}

describe('Broadcaster', () => {
  it('never lets a slow subscriber hold back a fast one or the publisher', () => {
    const b = new Broadcaster<StoredEvent>({ queueSize: 100 });
    const fast: number[] = [];
    const fastSub = b.subscribe({
      // Drains as soon as woken: it gets every event.
      onWake: () => fast.push(...fastSub.queue.take().items.map((e) => e.id)),
    });
    const slow = b.subscribe();
    const published: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const e = event();
      b.publish(e);
      published.push(e.id);
    }
    expect(fast).toEqual(published);
    expect(slow.queue.size).toBe(100);
    const taken = slow.queue.take();
    // The oldest stay queued; what did not fit is counted, exactly.
    expect(taken.items.map((e) => e.id)).toEqual(published.slice(0, 100));
    expect(taken.dropped).toBe(900);
    expect(b.stats()).toEqual({ published: 1000, dropped: 900, subscribers: 2 });
  });

  it('counts drops exactly and reports each drop once', () => {
    const b = new Broadcaster<StoredEvent>({ queueSize: 10 });
    const sub = b.subscribe();
    for (let i = 0; i < 25; i++) b.publish(event());
    expect(sub.queue.take()).toMatchObject({ dropped: 15 });
    for (let i = 0; i < 12; i++) b.publish(event());
    const next = sub.queue.take(4);
    expect(next.items).toHaveLength(4);
    expect(next.dropped).toBe(2);
    expect(sub.queue.take()).toMatchObject({ dropped: 0 });
    expect(b.stats().dropped).toBe(17);
  });

  it('wakes a subscriber once per idle → work transition', () => {
    const b = new Broadcaster<StoredEvent>({ queueSize: 2 });
    let wakes = 0;
    const sub = b.subscribe({ onWake: () => wakes++ });
    for (let i = 0; i < 5; i++) b.publish(event());
    expect(wakes).toBe(1);
    sub.queue.take(1);
    b.publish(event());
    expect(wakes).toBe(1);
    sub.queue.take();
    b.publish(event());
    expect(wakes).toBe(2);
  });

  it('primes from a history snapshot: filtered, capped, oldest to newest', () => {
    const b = new Broadcaster<StoredEvent>({ historySize: 6 });
    const severities: Severity[] = ['info', 'error', 'warn', 'critical', 'error', 'info', 'error'];
    const all = severities.map((severity) => event({ severity }));
    for (const e of all) b.publish(e);
    const ids = (list: StoredEvent[]) => list.map((e) => e.id - all[0]!.id);
    // The first event fell out of the ring of 6.
    expect(ids(b.snapshot())).toEqual([1, 2, 3, 4, 5, 6]);
    const errors = compileFilter({ min_severity: 'error' });
    expect(ids(b.snapshot(errors))).toEqual([1, 3, 4, 6]);
    expect(ids(b.snapshot(errors, 2))).toEqual([4, 6]);
    expect(b.snapshot(errors, 0)).toEqual([]);
  });

  it('gives a subscriber only what its filter matches', () => {
    const b = new Broadcaster<StoredEvent>();
    const sub = b.subscribe({
      matches: compileFilter({ sources: ['docker'], container_id: 'c1', text: 'OOM' }),
    });
    b.publish(event({ source: 'docker', container_id: 'c1', message: 'oom killed' }));
    b.publish(event({ source: 'logscan', container_id: 'c1', message: 'oom killed' }));
    b.publish(event({ source: 'docker', container_id: 'c2', message: 'oom killed' }));
    b.publish(event({ source: 'docker', container_id: 'c1', message: 'exited' }));
    expect(sub.queue.take().items.map((e) => e.message)).toEqual(['oom killed']);
  });

  it('survives a throwing filter or wake-up, and unsubscribes twice or mid-publish', () => {
    const b = new Broadcaster<StoredEvent>();
    b.subscribe({
      matches: () => {
        throw new Error('bad filter');
      },
    });
    const loud = b.subscribe({
      onWake: () => {
        throw new Error('bad consumer');
      },
    });
    let self: { unsubscribe(): void } | null = null;
    const got: number[] = [];
    self = b.subscribe({
      onWake: () => {
        self?.unsubscribe();
        self?.unsubscribe();
        loud.unsubscribe();
      },
    });
    const after = b.subscribe({ onWake: () => got.push(1) });
    expect(() => b.publish(event())).not.toThrow();
    expect(() => b.publish(event())).not.toThrow();
    expect(got).toEqual([1]);
    expect(b.stats().subscribers).toBe(2);
    after.unsubscribe();
    expect(b.stats()).toMatchObject({ subscribers: 1, dropped: 0 });
  });

  it('never throws and accounts for every event under a fuzz of subscribe/unsubscribe/publish', () => {
    type Op =
      | { kind: 'sub'; queue: number; severity: Severity | null; reentrant: boolean }
      | { kind: 'unsub'; pick: number }
      | { kind: 'take'; pick: number; max: number }
      | { kind: 'pub'; severity: Severity };
    const severity = fc.constantFrom<Severity>('info', 'warn', 'error', 'critical');
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('sub' as const),
        queue: fc.integer({ min: 1, max: 8 }),
        severity: fc.option(severity),
        reentrant: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('unsub' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('take' as const),
        pick: fc.nat(),
        max: fc.integer({ min: 1, max: 10 }),
      }),
      fc.record({ kind: fc.constant('pub' as const), severity }),
      fc.record({ kind: fc.constant('pub' as const), severity }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const b = new Broadcaster<StoredEvent>({ historySize: 16 });
        interface Tracked {
          sub: ReturnType<typeof b.subscribe>;
          matched: number;
          received: StoredEvent[];
          dropped: number;
          live: boolean;
        }
        const tracked: Tracked[] = [];
        const live = () => tracked.filter((t) => t.live);
        const drain = (t: Tracked, max = Infinity) => {
          const { items, dropped } = t.sub.queue.take(max);
          t.received.push(...items);
          t.dropped += dropped;
        };
        for (const o of ops) {
          if (o.kind === 'sub') {
            const filter = o.severity ? compileFilter({ min_severity: o.severity }) : undefined;
            const t = {} as Tracked;
            const matches = (e: StoredEvent) => {
              const m = filter ? filter(e) : true;
              // Counted at decision time: what the subscriber is owed.
              if (m && t.live) t.matched++;
              return m;
            };
            t.sub = b.subscribe({
              matches,
              queueSize: o.queue,
              // A reentrant consumer subscribes and unsubscribes others while woken.
              onWake: o.reentrant
                ? () => {
                    const extra = b.subscribe();
                    extra.unsubscribe();
                    const other = live()[0];
                    if (other && other !== t) drain(other, 1);
                  }
                : undefined,
            });
            Object.assign(t, { matched: 0, received: [], dropped: 0, live: true });
            tracked.push(t);
          } else if (o.kind === 'unsub') {
            const t = live()[o.pick % Math.max(1, live().length)];
            if (t) {
              drain(t);
              t.sub.unsubscribe();
              t.sub.unsubscribe();
              t.live = false;
            }
          } else if (o.kind === 'take') {
            const t = live()[o.pick % Math.max(1, live().length)];
            if (t) drain(t, o.max);
          } else {
            expect(() => b.publish(event({ severity: o.severity }))).not.toThrow();
          }
        }
        for (const t of live()) drain(t);
        let totalDropped = 0;
        for (const t of tracked) {
          // Every event a subscriber was owed was either received or counted as dropped.
          expect(t.received.length + t.dropped).toBe(t.matched);
          const ids = t.received.map((e) => e.id);
          expect(ids).toEqual([...ids].sort((x, y) => x - y));
          totalDropped += t.dropped;
        }
        expect(b.stats().subscribers).toBe(live().length);
        expect(b.stats().dropped).toBe(totalDropped);
      }),
      { numRuns: 300 },
    );
  });
});
