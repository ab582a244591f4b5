/**
 * Which log lines continue the record before them: the lines of a stack trace, a
 * Python traceback, a wrapped message. One heuristic for everything that groups lines —
 * the alert context kept around a hit and the log viewer — so a record is the same
 * record wherever it is shown. Node-free: the web UI imports it too.
 *
 * A line continues the current record when it
 * - is indented (starts with a space or a tab) and not blank: `\tat com.x.Y(Y.java:1)`,
 *   `  File "app.py", line 3, in <module>`, wrapped text;
 * - starts a Java/JVM follow-up: `Caused by: …`, `Suppressed: …`, `... 12 more`;
 * - is a stack frame written without indentation: `at com.x.Y.run(Y.java:42)`,
 *   `at Object.<anonymous> (/app/index.js:1:7)`, `at /app/index.js:3:9`;
 * - is the closing `ValueError: …` line of a Python traceback (the first line without
 *   indentation after `Traceback (most recent call last):`).
 * Everything else starts a new record; a blank line is a record nothing continues. At most MAX_RECORD_LINES lines are grouped: a
 * log of nothing but indented lines must not become one endless record.
 */

export const MAX_RECORD_LINES = 200;

const FOLLOW_UP = /^(?:Caused by: |Suppressed: |\.\.\. \d+ (?:more|common frames omitted)\b)/;
/** `at ` and a frame: a call with its place in parentheses, or a bare `file:line(:column)`. */
const BARE_FRAME = /^at (?:\S+ ?\(.*\)|\S+:\d+(?::\d+)?)\s*$/;
const PYTHON_TRACEBACK = /^Traceback \(most recent call last\):\s*$/;

export class MultilineGrouper {
  private linesInRecord = 0;
  /** Inside a Python traceback, waiting for its closing exception line. */
  private inTraceback = false;

  /**
   * Feeds the next line of one stream; true when it continues the record the previous
   * line belongs to, false when it starts a new one.
   */
  continues(line: string): boolean {
    const joins =
      this.linesInRecord > 0 && this.linesInRecord < MAX_RECORD_LINES && this.joins(line);
    if (!joins) {
      // A blank line is a record of its own: nothing continues it.
      const blank = line.trim() === '';
      this.linesInRecord = blank ? 0 : 1;
      this.inTraceback = !blank && PYTHON_TRACEBACK.test(line);
      return false;
    }
    this.linesInRecord++;
    return true;
  }

  /** Forgets the current record (the stream ended, or a gap in time). */
  reset(): void {
    this.linesInRecord = 0;
    this.inTraceback = false;
  }

  private joins(line: string): boolean {
    const first = line.charCodeAt(0);
    if ((first === 0x20 || first === 0x09) && line.trim() !== '') return true;
    if (FOLLOW_UP.test(line)) return true;
    if (first === 0x61 /* a */ && BARE_FRAME.test(line)) return true;
    if (this.inTraceback && line.trim() !== '') {
      // The exception line closes the traceback; what follows starts anew.
      this.inTraceback = false;
      return true;
    }
    return false;
  }
}

/** Groups whole lines into records (for lines already read, e.g. a page of the log viewer). */
export function groupRecords(lines: readonly string[]): string[][] {
  const grouper = new MultilineGrouper();
  const records: string[][] = [];
  for (const line of lines) {
    if (grouper.continues(line) && records.length > 0) records[records.length - 1]!.push(line);
    else records.push([line]);
  }
  return records;
}
