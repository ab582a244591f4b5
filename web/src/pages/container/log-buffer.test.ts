import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../api/types';
import { append, emptyBuffer, lineKey, MAX_LINES, setPaused, withRecordedHits } from './log-buffer';

const line = (
  text: string,
  rules?: string[],
  timestamp = '2026-01-01T00:00:00.000000001Z',
): LogLine => ({
  stream: 'stdout',
  timestamp,
  text,
  level: null,
  origin: rules ? 'tail' : 'history',
  ...(rules ? { rules } : {}),
});

describe('log viewer buffer', () => {
  it('numbers lines in arrival order and keeps the last MAX_LINES', () => {
    const many = Array.from({ length: MAX_LINES + 5 }, (_, i) => line(`l${i}`));
    const b = append(emptyBuffer, many);
    expect(b.lines).toHaveLength(MAX_LINES);
    expect(b.lines[0]!.text).toBe('l5');
    expect(b.lines[0]!.seq).toBe(6);
    expect(b.discarded).toBe(5);
  });

  it('holds lines while paused and shows them on resume', () => {
    let b = append(emptyBuffer, [line('a')]);
    b = setPaused(b, true);
    b = append(b, [line('b'), line('c')]);
    expect(b.lines.map((l) => l.text)).toEqual(['a']);
    expect(b.held).toHaveLength(2);
    b = setPaused(b, false);
    expect(b.lines.map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(b.held).toEqual([]);
  });

  it("keeps the server's level for each line, guessing none of its own", () => {
    const b = append(emptyBuffer, [
      { ...line('ERROR but the server knows better'), level: 'debug' },
      line('ERROR the server saw no level'),
    ]);
    expect(b.lines.map((l) => l.level)).toEqual(['debug', null]);
  });

  it('files recorded hits by the instant, however many fraction digits Docker wrote', () => {
    expect(lineKey('stdout', '2026-01-01T00:00:01.5Z')).toBe(
      lineKey('stdout', '2026-01-01T00:00:01.500000000Z'),
    );
  });

  it('marks lines read from Docker with the hits the event log recorded for them', () => {
    const b = append(emptyBuffer, [
      line('panic: boom', undefined, '2026-01-01T00:00:01.5Z'),
      line('fine', undefined, '2026-01-01T00:00:02Z'),
      line('panic: live', ['live rule'], '2026-01-01T00:00:03Z'),
      { ...line('no time'), timestamp: null },
    ]);
    const recorded = new Map([
      [lineKey('stdout', '2026-01-01T00:00:01.5Z'), ['Panics']],
      // Another stream at the same instant is another line.
      [lineKey('stderr', '2026-01-01T00:00:02Z'), ['Errors']],
      [lineKey('stdout', '2026-01-01T00:00:03Z'), ['recorded']],
    ]);
    expect(withRecordedHits(b.lines, recorded).map((l) => [l.text, l.rules])).toEqual([
      ['panic: boom', ['Panics']],
      ['fine', []],
      ['panic: live', ['live rule']],
      ['no time', []],
    ]);
    expect(withRecordedHits(b.lines, new Map())).toBe(b.lines);
  });
});
