import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../api/types';
import { append, emptyBuffer, MAX_LINES, searchLines, setPaused } from './log-buffer';

const line = (text: string, rules: string[] = []): LogLine => ({
  stream: 'stdout',
  ts: '2026-01-01T00:00:00.000000000Z',
  text,
  rules,
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

  it('searches the loaded lines case-insensitively, optionally only the hits', () => {
    const b = append(emptyBuffer, [
      line('GET /ok'),
      line('ERROR disk', ['errors']),
      line('error again'),
    ]);
    expect(searchLines(b.lines, 'error', false).map((l) => l.text)).toEqual([
      'ERROR disk',
      'error again',
    ]);
    expect(searchLines(b.lines, '', true).map((l) => l.text)).toEqual(['ERROR disk']);
    expect(searchLines(b.lines, '  ', false)).toBe(b.lines);
  });
});
