import { describe, expect, it } from 'vitest';
import { sentMs } from './latency.js';

describe('send time in a generated line', () => {
  it('reads the nanosecond send time as milliseconds, keeping microseconds', () => {
    expect(sentMs('panic: worker-1 nil_pointer goroutine=4 sent=1796154725172809091 notify')).toBe(
      1796154725172.809,
    );
    expect(sentMs('level=info msg="request served"')).toBeNull();
  });
});
