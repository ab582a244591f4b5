/**
 * Docker's RFC3339Nano timestamps, kept at nanosecond precision. A JS Date would lose
 * the nanoseconds, and several lines often share a millisecond; the resume cursor
 * must not.
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Longest timestamp Docker writes before a log line (with a numeric offset). */
export const MAX_TIMESTAMP_LENGTH = 35;

/** Nanoseconds since the Unix epoch, or null when the text is not RFC3339(Nano). */
export function parseTimestampNanos(text: string): bigint | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m as unknown as string[];
  // Not Date.UTC: it reads years 0-99 as 1900-1999 (Docker's zero time is year 1).
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s));
  // Date rolls fields over (Feb 31 is Mar 2, month 0 is December); a real time round-trips.
  if (date.toISOString().slice(0, 19) !== text.slice(0, 19)) return null;
  const ms = date.getTime();
  let offsetSeconds = 0n;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1n : 1n;
    offsetSeconds = sign * (BigInt(zone!.slice(1, 3)) * 3600n + BigInt(zone!.slice(4, 6)) * 60n);
  }
  const seconds = BigInt(ms / 1000) - offsetSeconds;
  return seconds * 1_000_000_000n + BigInt(frac.padEnd(9, '0'));
}

/** The `since` query value Docker accepts with nanosecond precision: `seconds.nanos`. */
export function sinceParam(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const rest = nanos % 1_000_000_000n;
  return `${seconds}.${rest.toString().padStart(9, '0')}`;
}
