import type { Severity } from '../events/model.js';

/**
 * What a silence matches. Every list given (non-empty) must match, and the regex when
 * set: the matchers AND together; within a list, any entry matches (OR). At least one
 * matcher is required, so no silence mutes everything by accident.
 */
export interface SilenceMatchers {
  /** Rule ids (numbers, or digit strings) or rule names (exact). */
  rules: (number | string)[];
  /** Globs (`*`, `?`) over the container's name (or its id). */
  containers: string[];
  /** Globs over the workload's id or its name. */
  workloads: string[];
  /** Globs over the host an event came from (metadata.host; this server's name otherwise). */
  hosts: string[];
  severities: Severity[];
  /** RE2 over the event's message; "" for none. */
  message_regex: string;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A recurring maintenance window: on each of `days`, from `start` (wall-clock time in
 * `timezone`) for `duration_minutes`. A window may run past midnight into the next day.
 */
export interface SilenceSchedule {
  days: Weekday[];
  /** HH:MM, 24-hour. */
  start: string;
  duration_minutes: number;
  /** An IANA time zone, e.g. UTC or Europe/Berlin. */
  timezone: string;
}

export interface Silence {
  id: number;
  matchers: SilenceMatchers;
  /** Milliseconds since the epoch. */
  starts_at: number;
  ends_at: number;
  comment: string;
  /** Who made it (the principal's name). */
  author: string;
  /** With a schedule the silence only silences within its windows, between starts_at and ends_at. */
  schedule: SilenceSchedule | null;
  /** Who ended it early (DELETE), or null. */
  ended_by: string | null;
  created_at: number;
  updated_at: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';
/** Silences per page of GET /api/silences: by default and at most. */
export const DEFAULT_SILENCE_PAGE = 100;
export const MAX_SILENCE_PAGE = 500;

export const SILENCE_STATES: readonly SilenceState[] = ['pending', 'active', 'expired'];

/** A silence lasts at most this long (end minus start), a scheduled one included. */
export const MAX_SILENCE_DAYS = 366;
export const MAX_SILENCE_MS = MAX_SILENCE_DAYS * 86_400_000;
/** Silences not yet expired, at most. */
export const MAX_OPEN_SILENCES = 1000;
export const MAX_COMMENT_LENGTH = 1000;
/** Entries per matcher list, and characters per entry. */
export const MAX_MATCHER_ENTRIES = 100;
export const MAX_MATCHER_LENGTH = 256;
export const MAX_WINDOW_MINUTES = 1440;

export function silenceState(
  silence: Pick<Silence, 'starts_at' | 'ends_at'>,
  now: number,
): SilenceState {
  if (now >= silence.ends_at) return 'expired';
  if (now < silence.starts_at) return 'pending';
  return 'active';
}
