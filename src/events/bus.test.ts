import { describe, expect, it } from 'vitest';
import { EventBus } from './bus.js';
import type { StoredEvent } from './model.js';

const event = { id: 1 } as StoredEvent;

describe('EventBus', () => {
  it('isolates a throwing subscriber from the producer and the others', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((err) => errors.push(err));
    const seen: string[] = [];
    bus.subscribe(() => seen.push('a'));
    bus.subscribe(() => {
      throw new Error('boom');
    });
    bus.subscribe(() => seen.push('c'));
    expect(() => bus.publish(event)).not.toThrow();
    expect(seen).toEqual(['a', 'c']);
    expect(errors).toHaveLength(1);
  });

  it('survives unsubscribes during a publish, and twice', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const offA = bus.subscribe(() => {
      seen.push('a');
      offA();
      offB();
    });
    const offB = bus.subscribe(() => seen.push('b'));
    bus.publish(event);
    bus.publish(event);
    offA();
    expect(seen).toEqual(['a', 'b']);
    expect(bus.size).toBe(0);
  });
});
