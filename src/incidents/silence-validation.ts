import { AppError } from '../errors.js';
import { isSeverity, type Severity } from '../events/model.js';
import { compileOrThrow } from '../rules/compile.js';
import {
  MAX_COMMENT_LENGTH,
  MAX_MATCHER_ENTRIES,
  MAX_MATCHER_LENGTH,
  MAX_SILENCE_DAYS,
  MAX_SILENCE_MS,
  MAX_WINDOW_MINUTES,
  WEEKDAYS,
  type Silence,
  type SilenceMatchers,
  type SilenceSchedule,
  type Weekday,
} from './silence-model.js';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function stringList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw AppError.validation(field, 'must be a list');
  if (value.length > MAX_MATCHER_ENTRIES)
    throw AppError.validation(field, `at most ${MAX_MATCHER_ENTRIES} entries`);
  return value.map((entry, i) => {
    if (typeof entry !== 'string' || entry.trim() === '')
      throw AppError.validation(`${field}[${i}]`, 'must be a non-empty string');
    if (entry.length > MAX_MATCHER_LENGTH)
      throw AppError.validation(`${field}[${i}]`, `at most ${MAX_MATCHER_LENGTH} characters`);
    return entry.trim();
  });
}

const MATCHER_KEYS = new Set([
  'rules',
  'containers',
  'workloads',
  'hosts',
  'severities',
  'message_regex',
]);

/** Validates matchers; throws VALIDATION_FAILED naming the field (or RULE_INVALID_PATTERN). */
export function parseMatchers(value: unknown): SilenceMatchers {
  if (!isObject(value)) throw AppError.validation('matchers', 'must be an object');
  for (const key of Object.keys(value))
    if (!MATCHER_KEYS.has(key)) throw AppError.validation(`matchers.${key}`, 'unknown matcher');
  const rulesIn = value.rules ?? [];
  if (!Array.isArray(rulesIn)) throw AppError.validation('matchers.rules', 'must be a list');
  if (rulesIn.length > MAX_MATCHER_ENTRIES)
    throw AppError.validation('matchers.rules', `at most ${MAX_MATCHER_ENTRIES} entries`);
  const rules = rulesIn.map((entry: unknown, i): number | string => {
    if (typeof entry === 'number' && Number.isSafeInteger(entry) && entry > 0) return entry;
    if (typeof entry === 'string' && entry.trim() !== '' && entry.length <= MAX_MATCHER_LENGTH)
      return /^\d+$/.test(entry.trim()) ? Number(entry.trim()) : entry.trim();
    throw AppError.validation(`matchers.rules[${i}]`, 'must be a rule id or a rule name');
  });
  const severitiesIn = stringList('matchers.severities', value.severities);
  severitiesIn.forEach((s, i) => {
    if (!isSeverity(s))
      throw AppError.validation(
        `matchers.severities[${i}]`,
        'must be one of info, warn, error, critical',
      );
  });
  const regex = value.message_regex ?? '';
  if (typeof regex !== 'string')
    throw AppError.validation('matchers.message_regex', 'must be a string');
  if (regex !== '') compileOrThrow(regex, 'matchers.message_regex');
  const matchers: SilenceMatchers = {
    rules,
    containers: stringList('matchers.containers', value.containers),
    workloads: stringList('matchers.workloads', value.workloads),
    hosts: stringList('matchers.hosts', value.hosts),
    severities: severitiesIn as Severity[],
    message_regex: regex,
  };
  const some =
    matchers.rules.length +
    matchers.containers.length +
    matchers.workloads.length +
    matchers.hosts.length +
    matchers.severities.length +
    (matchers.message_regex === '' ? 0 : 1);
  if (some === 0)
    throw AppError.validation('matchers', 'at least one matcher is required (nothing would pass)');
  return matchers;
}

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const SCHEDULE_KEYS = new Set(['days', 'start', 'duration_minutes', 'timezone']);

export function parseSchedule(value: unknown): SilenceSchedule | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw AppError.validation('schedule', 'must be an object or null');
  for (const key of Object.keys(value))
    if (!SCHEDULE_KEYS.has(key)) throw AppError.validation(`schedule.${key}`, 'unknown field');
  const days = value.days;
  if (!Array.isArray(days) || days.length === 0)
    throw AppError.validation(
      'schedule.days',
      `must be a non-empty list of ${WEEKDAYS.join(', ')}`,
    );
  const seen = new Set<Weekday>();
  days.forEach((d: unknown, i) => {
    const day = typeof d === 'string' ? d.toLowerCase() : d;
    if (!(WEEKDAYS as readonly unknown[]).includes(day))
      throw AppError.validation(`schedule.days[${i}]`, `must be one of ${WEEKDAYS.join(', ')}`);
    seen.add(day as Weekday);
  });
  const start = value.start;
  if (typeof start !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(start))
    throw AppError.validation('schedule.start', 'must be HH:MM (00:00 to 23:59)');
  const duration = value.duration_minutes;
  if (
    typeof duration !== 'number' ||
    !Number.isInteger(duration) ||
    duration < 1 ||
    duration > MAX_WINDOW_MINUTES
  )
    throw AppError.validation(
      'schedule.duration_minutes',
      `must be a whole number from 1 to ${MAX_WINDOW_MINUTES}`,
    );
  const timezone = value.timezone ?? 'UTC';
  if (typeof timezone !== 'string' || !validTimezone(timezone))
    throw AppError.validation('schedule.timezone', 'must be an IANA time zone such as UTC');
  return {
    days: WEEKDAYS.filter((d) => seen.has(d)),
    start,
    duration_minutes: duration,
    timezone,
  };
}

function parseTime(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(value) || !Number.isFinite(ms))
    throw AppError.validation(field, 'must be an ISO 8601 time, e.g. 2026-01-31T02:00:00Z');
  return ms;
}

export interface SilenceInput {
  matchers?: unknown;
  starts_at?: unknown;
  ends_at?: unknown;
  comment?: unknown;
  schedule?: unknown;
}

export type NewSilence = Omit<Silence, 'id' | 'created_at' | 'updated_at' | 'ended_by'>;

/** Validates a new silence; `starts_at` defaults to now. */
export function parseSilence(input: SilenceInput, author: string, now: number): NewSilence {
  if (!isObject(input)) throw AppError.validation('body', 'must be an object');
  const matchers = parseMatchers(input.matchers);
  const starts = parseTime('starts_at', input.starts_at) ?? now;
  const ends = parseTime('ends_at', input.ends_at);
  if (ends === undefined) throw AppError.validation('ends_at', 'is required');
  if (ends <= starts) throw AppError.validation('ends_at', 'must be after starts_at');
  if (ends <= now) throw AppError.validation('ends_at', 'must be in the future');
  if (ends - starts > MAX_SILENCE_MS)
    throw AppError.validation('ends_at', `at most ${MAX_SILENCE_DAYS} days after starts_at`);
  const comment = input.comment;
  if (typeof comment !== 'string' || comment.trim() === '')
    throw AppError.validation('comment', 'is required: say why');
  if (comment.length > MAX_COMMENT_LENGTH)
    throw AppError.validation('comment', `at most ${MAX_COMMENT_LENGTH} characters`);
  return {
    matchers,
    starts_at: starts,
    ends_at: ends,
    comment: comment.trim(),
    author,
    schedule: parseSchedule(input.schedule),
  };
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The weekday (0 = Sunday) and minute of the day of `at` on the wall clock of `zone`. */
export function wallClock(at: number, zone: string): { day: number; minute: number } {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    zoneFormats.set(zone, format);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === 'weekday') day = WEEKDAYS.indexOf(part.value.toLowerCase() as Weekday);
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

/** Whether `at` falls in one of the schedule's windows (wall-clock minutes, DST as the clock says). */
export function inWindow(schedule: SilenceSchedule, at: number): boolean {
  const { day, minute } = wallClock(at, schedule.timezone);
  const [h, m] = schedule.start.split(':').map(Number) as [number, number];
  const start = h * 60 + m;
  const end = start + schedule.duration_minutes;
  const has = (d: number) => schedule.days.includes(WEEKDAYS[(d + 7) % 7]!);
  // Today's window, or yesterday's running past midnight.
  if (has(day) && minute >= start && minute < end) return true;
  return has(day - 1) && minute + 1440 < end;
}

/** Whether the silence silences at `at`: within its period and, with a schedule, a window. */
export function silencesAt(
  silence: Pick<Silence, 'starts_at' | 'ends_at' | 'schedule'>,
  at: number,
) {
  if (at < silence.starts_at || at >= silence.ends_at) return false;
  return silence.schedule === null || inWindow(silence.schedule, at);
}

/**
 * A glob over a name: `*` any run of characters, `?` one; everything else is itself
 * (no regex is built from it). Case-insensitive. Linear in practice: the classic
 * backtrack-to-the-last-star walk, O(name × glob) at worst.
 */
export function globMatch(glob: string, name: string): boolean {
  const g = glob.toLowerCase();
  const s = name.toLowerCase();
  let gi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (gi < g.length && (g[gi] === '?' || g[gi] === s[si])) {
      gi++;
      si++;
    } else if (gi < g.length && g[gi] === '*') {
      star = gi++;
      mark = si;
    } else if (star >= 0) {
      gi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (gi < g.length && g[gi] === '*') gi++;
  return gi === g.length;
}
