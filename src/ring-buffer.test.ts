import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first or newest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect([...ring.newestFirst()]).toEqual([5, 4, 3]);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
    ring.push(9);
    expect(ring.toArray()).toEqual([9]);
  });

  it('shifts out the oldest item, also after wrapping', () => {
    const ring = new RingBuffer<number>(3);
    for (const n of [1, 2, 3, 4]) ring.push(n);
    expect(ring.shift()).toBe(2);
    ring.push(5);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect([ring.shift(), ring.shift(), ring.shift(), ring.shift()]).toEqual([3, 4, 5, undefined]);
    expect(ring.size).toBe(0);
  });

  it('holds nothing with capacity 0 and rejects a bad capacity', () => {
    const ring = new RingBuffer<number>(0);
    ring.push(1);
    expect(ring.toArray()).toEqual([]);
    expect(() => new RingBuffer(-1)).toThrow(RangeError);
  });
});
