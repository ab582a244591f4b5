import {
  MAX_CONTEXT_AFTER_TOTAL,
  MAX_CONTEXT_BEFORE,
  MAX_CONTEXT_LINE_BYTES,
  type EventContext,
} from './model.js';
import { truncateMessage } from './message.js';

/** A context line as stored: at most MAX_CONTEXT_LINE_BYTES, cut on a character boundary with `…`. */
export function contextLine(text: string): string {
  // Most lines are short: only those that may be too long pay for the byte count.
  return text.length * 3 <= MAX_CONTEXT_LINE_BYTES
    ? text
    : truncateMessage(text, MAX_CONTEXT_LINE_BYTES);
}

/**
 * What is stored of a context: the newest MAX_CONTEXT_BEFORE lines before, the first
 * MAX_CONTEXT_AFTER_TOTAL after, each line cut to MAX_CONTEXT_LINE_BYTES. The scanner
 * keeps within these already; this holds whatever a producer hands in to them.
 */
export function capContext(context: EventContext): EventContext {
  return {
    before: context.before.slice(-MAX_CONTEXT_BEFORE).map(contextLine),
    after: context.after.slice(0, MAX_CONTEXT_AFTER_TOTAL).map(contextLine),
  };
}

/** A stored context (JSON text or null) read back; anything else reads as none. */
export function parseContext(text: string | null): EventContext | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<EventContext> | null;
    if (!value || !Array.isArray(value.before) || !Array.isArray(value.after)) return null;
    return { before: value.before.map(String), after: value.after.map(String) };
  } catch {
    return null;
  }
}
