import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

describe('Slots', () => {
  it('refuses beyond the limit per key and frees a slot once per release', () => {
    const slots = new Slots(2);
    const a1 = slots.tryAcquire('a')!;
    const a2 = slots.tryAcquire('a')!;
    expect(slots.tryAcquire('a')).toBeNull();
    // Another key has its own slots.
    expect(slots.tryAcquire('b')).not.toBeNull();
    a1();
    a1();
    expect(slots.held('a')).toBe(1);
    const a3 = slots.tryAcquire('a');
    expect(a3).not.toBeNull();
    expect(slots.tryAcquire('a')).toBeNull();
    a2();
    a3!();
    expect(slots.held('a')).toBe(0);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new Slots(0)).toThrow(RangeError);
  });
});
