import { describe, expect, it } from 'vitest';
import { canonicalTs, endOfMillisecond, formatClock } from './timestamps';

describe('log timestamps', () => {
  it('writes every instant with nine fraction digits, so equal instants compare equal', () => {
    expect(canonicalTs('2026-12-01T10:00:00.5Z')).toBe('2026-12-01T10:00:00.500000000Z');
    expect(canonicalTs('2026-12-01T10:00:00Z')).toBe('2026-12-01T10:00:00.000000000Z');
    expect(canonicalTs('2026-12-01T10:00:00.123456789Z')).toBe('2026-12-01T10:00:00.123456789Z');
    expect(canonicalTs('not a time')).toBe('not a time');
  });

  it("reaches to the last nanosecond of a millisecond (Logwarden's times are milliseconds)", () => {
    expect(endOfMillisecond('2026-12-01T10:00:00.123Z')).toBe('2026-12-01T10:00:00.123999999Z');
  });

  it('shows UTC with a Z, and relative times from now', () => {
    const ts = '2026-12-01T10:00:00.123456789Z';
    expect(formatClock(ts, 'utc')).toBe('10:00:00.123Z');
    const at = Date.parse(ts);
    expect(formatClock(ts, 'relative', at + 500)).toBe('now');
    expect(formatClock(ts, 'relative', at + 42_000)).toBe('42s ago');
    expect(formatClock(ts, 'relative', at + 3 * 3_600_000 + 5)).toBe('3h ago');
    expect(formatClock(ts, 'local')).toMatch(/^\d\d:\d\d:00\.123$/);
    expect(formatClock(null, 'utc')).toBe('');
  });
});
