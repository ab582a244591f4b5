/** Which part of Logwarden an operation went through. */
export type JournalSource = 'api' | 'auth' | 'rules' | 'triggers' | 'silences' | 'system';

/** One operation, as a caller reports it. */
export interface NewJournalEntry {
  /** Who: a user name, `token:<name>`, or `system` for Logwarden itself. */
  actor: string;
  /** What, `<kind>.<verb>`: `rule.update`, `auth.login`, `rules.reload`, `delivery.sent`… */
  action: string;
  /** Which object, when there is one: `/api/rules/7`, `trigger:3`, a user name… */
  object?: string | null;
  success: boolean;
  /** The stable error code (AppError) of a failure. */
  error_code?: string | null;
  source: JournalSource;
  /** Anything else worth keeping (latency, channel, compile errors); secrets are removed. */
  details?: Record<string, unknown>;
  /** The object before and after a change; secrets are removed. */
  before?: unknown;
  after?: unknown;
}

/** One operation as stored: a JSONL line, an item of `GET /api/audit`. */
export interface JournalEntry {
  /** Grows with every operation, also across restarts. */
  id: number;
  /** ISO 8601, UTC, milliseconds. */
  time: string;
  actor: string;
  action: string;
  object: string | null;
  success: boolean;
  error_code: string | null;
  source: string;
  details?: Record<string, unknown>;
  before?: unknown;
  after?: unknown;
}

/**
 * What other domains need to record an operation. Recording never throws and never
 * waits: a journal that cannot write keeps the operation in memory and counts it.
 */
export interface Journal {
  record(entry: NewJournalEntry): void;
}

/** A journal that forgets: for tests and parts built without one. */
export const NO_JOURNAL: Journal = { record: () => undefined };

export interface JournalFilter {
  actor?: string;
  /** Case-insensitive substring. */
  action?: string;
  /** Case-insensitive substring. */
  object?: string;
  success?: boolean;
  /** Milliseconds since the epoch: since inclusive, until exclusive. */
  since?: number;
  until?: number;
}

export interface JournalPage {
  /** An id from a previous page's `next`: older entries than it. */
  before?: number;
  limit?: number;
}

export interface JournalList {
  items: JournalEntry[];
  next: number | null;
}

export interface JournalStats {
  total: number;
  successes: number;
  failures: number;
  by_source: Record<string, number>;
  /** The newest 10 failures, newest first. */
  recent_failures: JournalEntry[];
  replay: ReplayReport;
  /** Operations that could not be appended to the file (kept in memory only). */
  write_failures: number;
}

export interface ReplayReport {
  files: number;
  applied: number;
  skipped_malformed: number;
  skipped_oversized: number;
}

export const MAX_LINE_BYTES = 1024 * 1024;
export const DEFAULT_RING_SIZE = 2000;
export const MAX_JOURNAL_PAGE = 500;
export const DEFAULT_JOURNAL_PAGE = 100;
