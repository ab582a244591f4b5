/**
 * Docker's RFC3339Nano timestamps: compared to the nanosecond (a Date keeps only
 * milliseconds) and shown as the viewer's clock setting says.
 */

export type ClockMode = 'local' | 'utc' | 'relative';
export const CLOCK_MODES: readonly ClockMode[] = ['local', 'utc', 'relative'];

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * The timestamp with exactly nine fraction digits: Docker trims trailing zeros, so
 * `…:01.5Z` and `…:01.500000000Z` are one instant. Anything else is returned as it is.
 */
export function canonicalTs(ts: string): string {
  const m = RFC3339.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

/**
 * The last nanosecond of the millisecond an ISO time names: an `until` that still takes
 * every line of that millisecond (Logwarden keeps milliseconds; Docker nanoseconds).
 */
export function endOfMillisecond(iso: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return iso;
  return new Date(at).toISOString().replace(/Z$/, '999999Z');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

const UNITS: [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** How long before `now`: `4s ago`, `12m ago`, `3h ago`, `2d ago`. */
function ago(at: number, now: number): string {
  const diff = Math.max(0, now - at);
  if (diff < 1000) return 'now';
  const [unit, size] = UNITS.find(([, s]) => diff >= s)!;
  return `${Math.floor(diff / size)}${unit} ago`;
}

/**
 * A line's time for the log's left column: `10:00:00.123` local, `10:00:00.123Z` UTC,
 * or `4s ago`; the date is left out (the full timestamp is the column's tooltip).
 */
export function formatClock(ts: string | null, mode: ClockMode, now = Date.now()): string {
  if (ts === null) return '';
  const at = new Date(ts);
  if (Number.isNaN(at.getTime())) return ts;
  if (mode === 'relative') return ago(at.getTime(), now);
  if (mode === 'utc')
    return `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}.${pad(at.getUTCMilliseconds(), 3)}Z`;
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}
