import { describe, expect, it } from 'vitest';
import { detectLevel } from '../../../../src/logs/log-level.js';
import type { LogLine } from '../../api/types';
import { toViewLine } from './log-buffer';
import { countLevels, filterRecords, toRecords } from './log-records';

let seq = 0;
// Each line with the level the server sends for it.
const line = (text: string, stream: LogLine['stream'] = 'stdout', rules?: string[]) =>
  toViewLine(
    {
      stream,
      timestamp: '2026-01-01T00:00:00Z',
      text,
      level: detectLevel(text),
      origin: 'history',
      rules,
    },
    ++seq,
  );

const texts = (records: ReturnType<typeof toRecords>) =>
  records.map((r) => r.lines.map((l) => l.text));

const NONE = { search: '', onlyHits: false, levels: new Set<never>() };

describe('log records', () => {
  it('groups a Python traceback into one record, its level from the exception line', () => {
    const records = toRecords([
      line('INFO starting'),
      line('Traceback (most recent call last):', 'stderr'),
      line('  File "app.py", line 3, in <module>', 'stderr'),
      line('    main()', 'stderr'),
      line('ValueError: boom', 'stderr'),
      line('INFO next'),
    ]);
    expect(texts(records)).toEqual([
      ['INFO starting'],
      [
        'Traceback (most recent call last):',
        '  File "app.py", line 3, in <module>',
        '    main()',
        'ValueError: boom',
      ],
      ['INFO next'],
    ]);
    expect(records.map((r) => r.level)).toEqual(['info', 'error', 'info']);
  });

  it('keeps a stream’s record whole while the other stream goes on between its lines', () => {
    const records = toRecords([
      line('Exception in thread "main" java.lang.IllegalStateException', 'stderr'),
      line('GET /health 200'),
      line('\tat com.example.App.main(App.java:10)', 'stderr'),
    ]);
    expect(texts(records)).toEqual([
      [
        'Exception in thread "main" java.lang.IllegalStateException',
        '\tat com.example.App.main(App.java:10)',
      ],
      ['GET /health 200'],
    ]);
  });

  it('marks a record hit when any of its lines hit', () => {
    const records = toRecords([line('panic: x'), line('  goroutine 1', 'stdout', ['panics'])]);
    expect(records).toHaveLength(1);
    expect(records[0]!.hit).toBe(true);
  });

  it('filters by level, hits and text (the text as shown, colour codes removed)', () => {
    const records = toRecords([
      line('\x1b[31mERROR\x1b[0m disk \x1b[1mfull\x1b[0m'),
      line('WARN slow', 'stdout', ['slow']),
      line('plain'),
    ]);
    expect(filterRecords(records, NONE)).toBe(records);
    const only = (levels: string[]) =>
      texts(filterRecords(records, { ...NONE, levels: new Set(levels) as never }) as never);
    expect(only(['error'])).toEqual([['\x1b[31mERROR\x1b[0m disk \x1b[1mfull\x1b[0m']]);
    expect(only(['error', 'warn'])).toHaveLength(2);
    expect(texts(filterRecords(records, { ...NONE, search: 'DISK FULL' }) as never)).toHaveLength(
      1,
    );
    expect(texts(filterRecords(records, { ...NONE, onlyHits: true }) as never)).toEqual([
      ['WARN slow'],
    ]);
    expect(countLevels(records)).toEqual(
      new Map([
        ['error', 1],
        ['warn', 1],
      ]),
    );
  });
});
