import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../api/types';
import { emptyContext, isAnchor, mergeContext } from './context-lines';

const line = (timestamp: string, text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({
  level: null,
  stream,
  timestamp,
  text,
  origin: 'history',
});

describe('context lines', () => {
  it('merges overlapping pieces once each, in time order, to the nanosecond', () => {
    const before = [
      line('2026-01-01T00:00:01.000000002Z', 'b'),
      line('2026-01-01T00:00:01.5Z', 'hit'),
    ];
    const after = [
      // The same line again, written with all nine digits.
      line('2026-01-01T00:00:01.500000000Z', 'hit'),
      line('2026-01-01T00:00:02Z', 'c'),
    ];
    const earlier = [
      line('2026-01-01T00:00:01.000000001Z', 'a', 'stderr'),
      line('2026-01-01T00:00:01.000000002Z', 'b'),
    ];
    let { context, added } = mergeContext(emptyContext, after);
    expect(added).toBe(2);
    ({ context, added } = mergeContext(context, before));
    expect(added).toBe(1);
    ({ context, added } = mergeContext(context, earlier));
    expect(added).toBe(1);
    expect(context.lines.map((l) => l.text)).toEqual(['a', 'b', 'hit', 'c']);
    expect(new Set(context.lines.map((l) => l.seq)).size).toBe(4);
    const same = mergeContext(context, earlier);
    expect(same).toEqual({ context, added: 0 });
  });

  it('keeps lines of one instant in the order they came', () => {
    const ts = '2026-01-01T00:00:00Z';
    const { context } = mergeContext(emptyContext, [line(ts, 'x'), line(ts, 'y'), line(ts, 'z')]);
    expect(context.lines.map((l) => l.text)).toEqual(['x', 'y', 'z']);
  });

  it('finds the anchor line by instant and stream', () => {
    const hit = line('2026-01-01T00:00:01.500000000Z', 'hit', 'stderr');
    expect(isAnchor(hit, { at: '2026-01-01T00:00:01.5Z', stream: 'stderr' })).toBe(true);
    expect(isAnchor(hit, { at: '2026-01-01T00:00:01.5Z', stream: null })).toBe(true);
    expect(isAnchor(hit, { at: '2026-01-01T00:00:01.5Z', stream: 'stdout' })).toBe(false);
    expect(isAnchor(hit, { at: '2026-01-01T00:00:01.500000001Z', stream: null })).toBe(false);
    expect(isAnchor(hit, null)).toBe(false);
  });
});
