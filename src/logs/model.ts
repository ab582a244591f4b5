/** The log levels a line can be given (detectLevel), most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Results a search sends when the request names no `limit`. */
export const DEFAULT_SEARCH_LIMIT = 500;
/** The largest `limit` (and what a text or JSONL download gets by default). */
export const MAX_SEARCH_LIMIT = 100_000;
/** The largest `tail`: these lines are held until the read ends. */
export const MAX_SEARCH_TAIL = 5_000;
/** The lines `tail` holds may take at most this many bytes of text; older ones give way. */
export const MAX_TAIL_BYTES = 32 * 1024 * 1024;
/** A search stops (`scan_limit`) after reading this many lines. */
export const MAX_LINES_SCANNED = 5_000_000;
/** A search stops (`time_limit`) after this long. */
export const MAX_SEARCH_MS = 60_000;
/** A progress frame at most this often while lines are scanned. */
export const PROGRESS_INTERVAL_MS = 250;
/** Searches (and downloads) one user, with their API tokens, may run at once. */
export const MAX_SEARCHES_PER_USER = 4;

export const SEARCH_END_REASONS = [
  'complete',
  'limit',
  'scan_limit',
  'time_limit',
  'cancelled',
  'error',
] as const;
export type SearchEndReason = (typeof SEARCH_END_REASONS)[number];
