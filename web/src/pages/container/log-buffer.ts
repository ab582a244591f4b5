import type { LogLine } from '../../api/types';
import { canonicalTs } from './timestamps';

/** Lines kept in the viewer; the oldest go first. */
export const MAX_LINES = 5000;

export interface ViewLine extends LogLine {
  /** Arrival order: a stable key. */
  seq: number;
  /** The rules it hit: as the scanner read it, else as recorded in the event log. */
  rules: string[];
}

export interface LogBuffer {
  lines: ViewLine[];
  /** Lines held while paused. */
  held: ViewLine[];
  paused: boolean;
  /** Lines let go because the buffer was full (while paused, or very fast logs). */
  discarded: number;
  seq: number;
}

export const emptyBuffer: LogBuffer = { lines: [], held: [], paused: false, discarded: 0, seq: 0 };

function keepLast(lines: ViewLine[], discarded: number): [ViewLine[], number] {
  if (lines.length <= MAX_LINES) return [lines, discarded];
  return [lines.slice(lines.length - MAX_LINES), discarded + lines.length - MAX_LINES];
}

/** A line as the viewer keeps it: numbered from `seq`, its rules filled in. */
export function toViewLine(line: LogLine, seq: number): ViewLine {
  return { ...line, rules: line.rules ?? [], seq };
}

export function append(buffer: LogBuffer, incoming: readonly LogLine[]): LogBuffer {
  if (incoming.length === 0) return buffer;
  let seq = buffer.seq;
  const numbered = incoming.map((line) => toViewLine(line, ++seq));
  if (buffer.paused) {
    const [held, discarded] = keepLast([...buffer.held, ...numbered], buffer.discarded);
    return { ...buffer, held, discarded, seq };
  }
  const [lines, discarded] = keepLast([...buffer.lines, ...numbered], buffer.discarded);
  return { ...buffer, lines, discarded, seq };
}

export function setPaused(buffer: LogBuffer, paused: boolean): LogBuffer {
  if (paused === buffer.paused) return buffer;
  if (paused) return { ...buffer, paused };
  const [lines, discarded] = keepLast([...buffer.lines, ...buffer.held], buffer.discarded);
  return { ...buffer, paused, lines, held: [], discarded };
}

/** Where a line's recorded hits are filed: its stream and Docker's timestamp. */
export const lineKey = (stream: string, timestamp: string) => `${stream} ${canonicalTs(timestamp)}`;

/**
 * Lines read from Docker rather than the scanner's tail (the tail sent first, or a
 * stopped container's log) carry no rules: mark those the event log recorded as hits.
 */
export function withRecordedHits(
  lines: readonly ViewLine[],
  recorded: ReadonlyMap<string, readonly string[]>,
): readonly ViewLine[] {
  if (recorded.size === 0) return lines;
  return lines.map((line) => {
    if (line.rules.length > 0 || line.timestamp === null) return line;
    const rules = recorded.get(lineKey(line.stream, line.timestamp));
    return rules ? { ...line, rules: [...rules] } : line;
  });
}
