import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../api/types';
import { toRecords } from '../container/log-records';
import {
  emptyMerge,
  hold,
  MAX_MERGED_LINES,
  nextRelease,
  recordSource,
  release,
  REORDER_MS,
  timeKey,
  type MergeState,
} from './merge-lines';

const line = (timestamp: string | null, text: string): LogLine => ({
  stream: 'stdout',
  timestamp,
  text,
  origin: 'tail',
  level: null,
});
const at = (s: number, nanos = '') => `2026-12-01T10:00:${String(s).padStart(2, '0')}${nanos}Z`;
const texts = (s: MergeState) => s.lines.map((l) => `${l.container_id}:${l.text}`);

describe('timeKey', () => {
  it("sorts as the time does, though Docker's timestamps drop trailing zeros", () => {
    const keys = [at(5, '.1'), at(5, '.09'), at(5), at(5, '.000000001'), at(4, '.999999999')];
    const sorted = [...keys].sort((a, b) => (timeKey(a, 0) < timeKey(b, 0) ? -1 : 1));
    expect(sorted).toEqual([
      at(4, '.999999999'),
      at(5),
      at(5, '.000000001'),
      at(5, '.09'),
      at(5, '.1'),
    ]);
    expect(timeKey('2026-12-01T11:00:05+01:00', 0)).toBe(timeKey(at(5), 0));
  });

  it('places a line without a timestamp at its arrival', () => {
    const arrived = Date.parse(at(7, '.250'));
    expect(timeKey(null, arrived)).toBe(timeKey(at(7, '.25'), 0));
  });
});

describe('merging the lines of several containers', () => {
  it('holds lines for the reorder window, then shows them in timestamp order', () => {
    let s = hold(emptyMerge, 'b', [line(at(2), 'b2'), line(at(4), 'b4')], 1000);
    // a's stream lags: its earlier lines arrive after b's later ones.
    s = hold(s, 'a', [line(at(1), 'a1'), line(at(3), 'a3')], 1100);
    expect(release(s, 1000 + REORDER_MS - 1).lines).toEqual([]);
    expect(nextRelease(s)).toBe(1000 + REORDER_MS);
    s = release(s, 1100 + REORDER_MS);
    expect(texts(s)).toEqual(['a:a1', 'b:b2', 'a:a3', 'b:b4']);
    expect(nextRelease(s)).toBeNull();
  });

  it('puts a line later than the window where its time belongs', () => {
    let s = release(hold(emptyMerge, 'a', [line(at(1), 'a1'), line(at(5), 'a5')], 0), REORDER_MS);
    s = release(hold(s, 'b', [line(at(3), 'b3')], 5000), 5000 + REORDER_MS);
    expect(texts(s)).toEqual(['a:a1', 'b:b3', 'a:a5']);
  });

  it('keeps lines of the same time in arrival order', () => {
    const s = release(
      hold(hold(emptyMerge, 'a', [line(at(1), 'first')], 0), 'b', [line(at(1), 'second')], 0),
      REORDER_MS,
    );
    expect(texts(s)).toEqual(['a:first', 'b:second']);
  });

  it('shows nothing twice when a stream starts over and sends its tail again', () => {
    const tail = [line(at(1), 'a1'), line(at(2), 'a2')];
    let s = release(hold(emptyMerge, 'a', tail, 0), REORDER_MS);
    s = release(hold(s, 'a', [...tail, line(at(3), 'a3')], 1000), 1000 + REORDER_MS);
    expect(texts(s)).toEqual(['a:a1', 'a:a2', 'a:a3']);
  });

  it('keeps the newest MAX_MERGED_LINES and counts the rest', () => {
    const many = Array.from({ length: MAX_MERGED_LINES + 10 }, (_, i) =>
      line(`2026-12-01T10:00:00.${String(i).padStart(9, '0')}Z`, `l${i}`),
    );
    // More than the bound held at once is released without waiting.
    const s = hold(emptyMerge, 'a', many, 0);
    expect(s.held).toEqual([]);
    expect(s.lines).toHaveLength(MAX_MERGED_LINES);
    expect(s.lines[0]!.text).toBe('l10');
    expect(s.discarded).toBe(10);
    expect(s.seen.size).toBe(MAX_MERGED_LINES);
  });
});

describe('records of the merged view', () => {
  it("groups a stack trace within its own container, not another's line between", () => {
    let s = hold(emptyMerge, 'a', [line(at(1), 'panic: boom'), line(at(3), '  goroutine 1')], 0);
    s = release(hold(s, 'b', [line(at(2), '  indented, but of b')], 0), REORDER_MS);
    const records = toRecords(s.lines, recordSource);
    expect(records.map((r) => r.lines.map((l) => l.text))).toEqual([
      ['panic: boom', '  goroutine 1'],
      ['  indented, but of b'],
    ]);
  });
});
