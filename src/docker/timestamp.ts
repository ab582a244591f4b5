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

const S = 1_000_000_000n;

/** Splits nanoseconds since the epoch into whole seconds (floored) and the nanoseconds after. */
export function splitNanos(nanos: bigint): { seconds: number; nanos: number } {
  let seconds = nanos / S;
  let rest = nanos % S;
  if (rest < 0n) {
    seconds -= 1n;
    rest += S;
  }
  return { seconds: Number(seconds), nanos: Number(rest) };
}

/** The instant `seconds` + `nanos` (0 ≤ nanos < 1e9) as nanoseconds since the epoch. */
export function joinNanos(seconds: number, nanos: number): bigint {
  return BigInt(seconds) * S + BigInt(nanos);
}

const DIGIT_0 = 0x30;
const digit = (b: number) => b - DIGIT_0;
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Reads the RFC3339Nano timestamp in `buf[start, end)` without making a string, a Date or
 * a BigInt: on every followed line this is the resume cursor, and the general parser
 * above cost more than the rest of the line's path. The result is two Numbers (seconds
 * since the epoch and the nanoseconds after them), which hold the instant exactly. UTC
 * (`Z`), the form dockerd writes, is read here; a numeric offset goes through
 * parseTimestampNanos. Accepts exactly what parseTimestampNanos accepts.
 */
export class TimestampReader {
  seconds = 0;
  nanos = 0;

  /** True when the bytes are a timestamp; `seconds` and `nanos` then hold it. */
  read(buf: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    if (n < 20 || n > MAX_TIMESTAMP_LENGTH) return false;
    const b = buf;
    const s = start;
    if (b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54) return false; // - - T
    if (b[s + 13] !== 0x3a || b[s + 16] !== 0x3a) return false; // : :
    for (const i of DATE_DIGITS) if (!isDigit(b[s + i])) return false;
    if (b[end - 1] !== 0x5a) return this.readSlow(buf, start, end); // not Z: an offset
    // `…:SS` `Z` or `…:SS.fffZ`
    let nanos = 0;
    if (n > 20) {
      if (b[s + 19] !== 0x2e) return false;
      const digits = n - 21;
      if (digits < 1 || digits > 9) return false;
      for (let i = s + 20; i < end - 1; i++) {
        const c = b[i]!;
        if (c < 0x30 || c > 0x39) return false;
        nanos = nanos * 10 + (c - DIGIT_0);
      }
      nanos *= POW10[9 - digits]!;
    }
    const year =
      digit(b[s]!) * 1000 + digit(b[s + 1]!) * 100 + digit(b[s + 2]!) * 10 + digit(b[s + 3]!);
    const month = digit(b[s + 5]!) * 10 + digit(b[s + 6]!);
    const day = digit(b[s + 8]!) * 10 + digit(b[s + 9]!);
    const hour = digit(b[s + 11]!) * 10 + digit(b[s + 12]!);
    const minute = digit(b[s + 14]!) * 10 + digit(b[s + 15]!);
    const second = digit(b[s + 17]!) * 10 + digit(b[s + 18]!);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
    if (hour > 23 || minute > 59 || second > 59) return false;
    this.seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    this.nanos = nanos;
    return true;
  }

  private readSlow(buf: Uint8Array, start: number, end: number): boolean {
    const parsed = parseTimestampNanos(
      Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1', start, end),
    );
    if (parsed === null) return false;
    const { seconds, nanos } = splitNanos(parsed);
    this.seconds = seconds;
    this.nanos = nanos;
    return true;
  }
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const POW10 = [
  1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
];
