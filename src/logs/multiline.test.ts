import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupRecords, MAX_RECORD_LINES, MultilineGrouper } from './multiline.js';

describe('multi-line records', () => {
  it('keeps a Java stack trace with its causes in one record', () => {
    const lines = [
      'INFO started',
      'ERROR request failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.example.Service.run(Service.java:42)',
      '\tat com.example.Main.main(Main.java:7)',
      'Caused by: java.io.IOException: disk',
      '\tat java.io.File.write(File.java:1)',
      '\t... 2 more',
      'INFO next request',
    ];
    expect(groupRecords(lines)).toEqual([
      ['INFO started'],
      ['ERROR request failed'],
      lines.slice(2, 8),
      ['INFO next request'],
    ]);
  });

  it('keeps a Python traceback with its closing exception line, and not the line after', () => {
    const lines = [
      'Traceback (most recent call last):',
      '  File "app.py", line 3, in <module>',
      '    main()',
      'ValueError: bad input',
      'worker exiting',
    ];
    expect(groupRecords(lines)).toEqual([lines.slice(0, 4), ['worker exiting']]);
  });

  it('starts a new record on a blank line and on an unindented line', () => {
    expect(groupRecords(['a', '  b', '', '  c', 'd'])).toEqual([
      ['a', '  b'],
      [''],
      ['  c'],
      ['d'],
    ]);
  });

  it('caps a record so a log of indented lines does not become one record', () => {
    const lines = ['head', ...Array.from({ length: 3 * MAX_RECORD_LINES }, (_, i) => `  ${i}`)];
    const records = groupRecords(lines);
    expect(records.every((r) => r.length <= MAX_RECORD_LINES)).toBe(true);
    expect(records.flat()).toEqual(lines);
  });

  it('forgets the open record on reset', () => {
    const g = new MultilineGrouper();
    expect(g.continues('head')).toBe(false);
    expect(g.continues('  more')).toBe(true);
    g.reset();
    expect(g.continues('  orphan')).toBe(false);
  });

  it('never loses or reorders a line (property)', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ maxLength: 20 }).map((s) => `\t${s}`),
      fc.constantFrom('Traceback (most recent call last):', 'Caused by: x', '... 3 more'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 300 }), (lines) => {
        const records = groupRecords(lines);
        expect(records.flat()).toEqual(lines);
        expect(records.every((r) => r.length >= 1 && r.length <= MAX_RECORD_LINES)).toBe(true);
      }),
    );
  });
});
