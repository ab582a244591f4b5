import type { LogLine } from '../../api/types';
import { toViewLine, type ViewLine } from './log-buffer';
import { canonicalTs } from './timestamps';

/**
 * The lines around a moment of a container's log ("see in context"), as read in
 * pieces: the lines before, the lines after, then more either way. Pieces overlap at
 * their edges (`until` and `since` both take the boundary's instant), so lines are kept
 * once and in time order.
 */
export interface ContextLines {
  lines: ViewLine[];
  seq: number;
}

export const emptyContext: ContextLines = { lines: [], seq: 0 };

const identity = (l: Pick<LogLine, 'stream' | 'timestamp' | 'text'>) =>
  `${l.stream} ${l.timestamp === null ? '' : canonicalTs(l.timestamp)} ${l.text}`;
const order = (l: ViewLine) => (l.timestamp === null ? '' : canonicalTs(l.timestamp));

/** The lines with `incoming` merged in; `added` counts the ones not held before. */
export function mergeContext(
  context: ContextLines,
  incoming: readonly LogLine[],
): { context: ContextLines; added: number } {
  const known = new Set(context.lines.map(identity));
  let seq = context.seq;
  const fresh: ViewLine[] = [];
  for (const line of incoming) {
    const id = identity(line);
    if (known.has(id)) continue;
    known.add(id);
    fresh.push(toViewLine(line, ++seq));
  }
  if (fresh.length === 0) return { context, added: 0 };
  // Array sort is stable: lines of one instant keep the order Docker gave them.
  const lines = [...context.lines, ...fresh].sort((a, b) =>
    order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0,
  );
  return { context: { lines, seq }, added: fresh.length };
}

/** The line "see in context" points at: its instant, and its stream when known. */
export interface Anchor {
  at: string;
  stream: string | null;
}

export function isAnchor(line: Pick<LogLine, 'stream' | 'timestamp'>, anchor: Anchor | null) {
  if (!anchor || line.timestamp === null) return false;
  if (anchor.stream && line.stream !== anchor.stream) return false;
  return canonicalTs(line.timestamp) === canonicalTs(anchor.at);
}
