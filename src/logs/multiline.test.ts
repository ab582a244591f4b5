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

  it('keeps stack frames written without indentation (Java, Node) with their record', () => {
    const lines = [
      'Error: boom',
      'at Object.<anonymous> (/app/index.js:1:7)',
      'at /app/index.js:3:9',
      'at com.example.Main.main(Main.java:7)',
      'at the end of the day, a plain sentence',
      'next',
    ];
    expect(groupRecords(lines)).toEqual([lines.slice(0, 4), [lines[4]], ['next']]);
  });

  it('keeps the Java exception line of a thread with its frames and causes', () => {
    const lines = [
      'Exception in thread "main" java.lang.IllegalStateException: boom',
      ...Array.from(
        { length: 10 },
        (_, i) => `\tat com.example.Worker.step${i}(Worker.java:${i + 1})`,
      ),
      'Caused by: java.io.IOException: disk',
      '... 3 more',
      'INFO recovered',
    ];
    expect(groupRecords(lines)).toEqual([lines.slice(0, 13), ['INFO recovered']]);
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
