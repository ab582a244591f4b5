import { MultilineGrouper } from '../../../../src/logs/multiline.js';
import type { LogLevel } from '../../../../src/logs/log-level.js';
import { stripAnsi } from './ansi';
import type { ViewLine } from './log-buffer';

/**
 * The viewer shows records, not lines: a stack trace or a Python traceback is one
 * record with its first line in front, grouped by the heuristic the alerting uses
 * (src/logs/multiline.ts), so a record is the same record in an alert and on screen.
 */
export interface LogRecord {
  /** The first line's seq: a stable key. */
  key: number;
  stream: ViewLine['stream'];
  lines: ViewLine[];
  /**
   * The first line's level, else the first a later line names; an uncaught exception's
   * trace that names none is an error.
   */
  level: LogLevel | null;
  /** Some line of it hit a rule. */
  hit: boolean;
}

/** How the trace of an uncaught exception starts (Python, the JVM), which names no level. */
const TRACE_START = /^(?:Traceback \(most recent call last\):|Exception in thread ")/;

/**
 * Groups lines into records. Each stream is grouped on its own (a traceback on stderr
 * stays whole while stdout goes on between its lines); a record sits where its first
 * line is.
 */
export function toRecords<L extends ViewLine>(
  lines: readonly L[],
  /** Lines grouped apart: by stream; the merged workload log also by container. */
  source: (line: L) => string = (line) => line.stream,
): LogRecord[] {
  const records: LogRecord[] = [];
  const open = new Map<string, { grouper: MultilineGrouper; record: LogRecord | null }>();
  for (const line of lines) {
    const key = source(line);
    let state = open.get(key);
    if (!state) {
      state = { grouper: new MultilineGrouper(), record: null };
      open.set(key, state);
    }
    if (state.grouper.continues(line.text) && state.record) {
      const record = state.record;
      record.lines.push(line);
      record.level ??= line.level;
      record.hit ||= line.rules.length > 0;
      continue;
    }
    const record: LogRecord = {
      key: line.seq,
      stream: line.stream,
      lines: [line],
      level: line.level,
      hit: line.rules.length > 0,
    };
    state.record = record;
    records.push(record);
  }
  for (const r of records) {
    if (r.level === null && r.lines.length > 1 && TRACE_START.test(r.lines[0]!.text)) {
      r.level = 'error';
    }
  }
  return records;
}

export interface RecordFilter {
  /** Case-insensitive text, matched against the text as shown (escape sequences removed). */
  search: string;
  onlyHits: boolean;
  /** Empty: every level, and records without one. */
  levels: ReadonlySet<LogLevel>;
}

/** The records the filter lets through (the same array when it lets all through). */
export function filterRecords(
  records: readonly LogRecord[],
  { search, onlyHits, levels }: RecordFilter,
): readonly LogRecord[] {
  const needle = search.trim().toLowerCase();
  if (!needle && !onlyHits && levels.size === 0) return records;
  return records.filter(
    (r) =>
      (!onlyHits || r.hit) &&
      (levels.size === 0 || (r.level !== null && levels.has(r.level))) &&
      (!needle || r.lines.some((l) => stripAnsi(l.text).toLowerCase().includes(needle))),
  );
}

/** How many records have each level (for the level filter's counts). */
export function countLevels(records: readonly LogRecord[]): Map<LogLevel, number> {
  const counts = new Map<LogLevel, number>();
  for (const r of records) if (r.level) counts.set(r.level, (counts.get(r.level) ?? 0) + 1);
  return counts;
}
