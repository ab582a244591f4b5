import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TIMESTAMP_LENGTH,
  TimestampReader,
  joinNanos,
  parseTimestampNanos,
  sinceParam,
  splitNanos,
} from './timestamp.js';

const S = 1_000_000_000n;
/** 2024-05-06T07:08:09Z in seconds since the epoch. */
const SECONDS = BigInt(Date.UTC(2024, 4, 6, 7, 8, 9) / 1000);

describe('parseTimestampNanos', () => {
  it.each([
    ['2024-05-06T07:08:09.123456789Z', SECONDS * S + 123_456_789n],
    ['2024-05-06T07:08:09.000000001Z', SECONDS * S + 1n],
    ['2024-05-06T07:08:09.123Z', SECONDS * S + 123_000_000n],
    ['2024-05-06T07:08:09.5Z', SECONDS * S + 500_000_000n],
    ['2024-05-06T07:08:09Z', SECONDS * S],
    ['1970-01-01T00:00:00Z', 0n],
    ['1969-12-31T23:59:59.5Z', -500_000_000n],
  ])('parses %s in UTC', (text, nanos) => {
    expect(parseTimestampNanos(text)).toBe(nanos);
  });

  it.each([
    ['2024-05-06T09:08:09.123456789+02:00', SECONDS * S + 123_456_789n],
    ['2024-05-06T01:38:09.123456789-05:30', SECONDS * S + 123_456_789n],
    ['2024-05-06T07:08:09+00:00', SECONDS * S],
    ['2024-05-05T14:08:09-17:00', SECONDS * S],
  ])('applies the numeric offset of %s', (text, nanos) => {
    expect(parseTimestampNanos(text)).toBe(nanos);
  });

  it('fits the longest form in MAX_TIMESTAMP_LENGTH', () => {
    const longest = '2024-05-06T09:08:09.123456789+02:00';
    expect(longest).toHaveLength(MAX_TIMESTAMP_LENGTH);
    expect(parseTimestampNanos(longest)).not.toBeNull();
  });

  it("reads years below 100 as written (Docker's zero time is year 1)", () => {
    expect(parseTimestampNanos('0001-01-01T00:00:00Z')).toBe(-62_135_596_800n * S);
    expect(parseTimestampNanos('0099-12-31T23:59:59Z')).toBe(-59_011_459_201n * S);
  });

  it('keeps nanoseconds that a Date would lose', () => {
    const a = parseTimestampNanos('2024-05-06T07:08:09.123456788Z')!;
    const b = parseTimestampNanos('2024-05-06T07:08:09.123456789Z')!;
    expect(b - a).toBe(1n);
  });

  it.each([
    '',
    'hello',
    '2024-05-06',
    '2024-05-06 07:08:09Z',
    '2024-05-06T07:08:09',
    '2024-05-06T07:08:09.Z',
    '2024-05-06T07:08:09.1234567890Z',
    '2024-05-06T07:08:09.123z',
    '2024-05-06T07:08:09+0200',
    '2024-5-06T07:08:09Z',
    ' 2024-05-06T07:08:09Z',
    '2024-05-06T07:08:09Z ',
    '2024-05-06T07:08:09ZZ',
    '2024-13-06T07:08:09Z',
    '2024-00-06T07:08:09Z',
    '2024-05-00T07:08:09Z',
    '2024-05-32T07:08:09Z',
    '2023-02-29T07:08:09Z',
    '2024-05-06T24:00:00Z',
    '2024-05-06T07:60:09Z',
    '2024-05-06T07:08:60Z',
    '２０２４-05-06T07:08:09Z',
  ])('rejects %j', (text) => {
    expect(parseTimestampNanos(text)).toBeNull();
  });

  it('accepts a real leap day', () => {
    expect(parseTimestampNanos('2024-02-29T00:00:00Z')).toBe(
      BigInt(Date.UTC(2024, 1, 29) / 1000) * S,
    );
  });

  it('agrees with Date on millisecond timestamps from year 0 to 9999', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0000-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseTimestampNanos(date.toISOString())).toBe(BigInt(date.getTime()) * 1_000_000n);
        },
      ),
    );
  });
});

/** What TimestampReader makes of `text` placed inside a larger buffer, as nanoseconds. */
function readBytes(text: string): bigint | null {
  const buf = Buffer.from(`xx${text} rest`, 'latin1');
  const reader = new TimestampReader();
  if (!reader.read(buf, 2, 2 + Buffer.byteLength(text, 'latin1'))) return null;
  expect(reader.nanos).toBeGreaterThanOrEqual(0);
  expect(reader.nanos).toBeLessThan(1e9);
  return joinNanos(reader.seconds, reader.nanos);
}

describe('TimestampReader', () => {
  it('reads what parseTimestampNanos reads, and rejects what it rejects', () => {
    for (const text of [
      '2024-05-06T07:08:09.123456789Z',
      '2024-05-06T07:08:09.5Z',
      '2024-05-06T07:08:09Z',
      '1969-12-31T23:59:59.5Z',
      '0000-02-29T23:59:59.999999999Z',
      '0001-01-01T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2024-05-06T09:08:09.123456789+02:00',
      '2024-05-06T01:38:09.123456789-05:30',
      '2024-05-06T07:08:09.Z',
      '2024-05-06T07:08:09.1234567890Z',
      '2024-05-06T07:08:09.123z',
      '2024-05-06T07:08:60Z',
      '2024-05-06T24:08:09Z',
      '2024-05-06T07:08:09ZZ',
      '2024-5-06T07:08:09Z',
      '2024-05-06 07:08:09Z',
      'hello',
    ]) {
      expect([text, readBytes(text)]).toEqual([text, parseTimestampNanos(text)]);
    }
  });

  it('agrees with parseTimestampNanos on generated timestamps, valid or not', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const stamp = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        two(24),
        two(60),
        two(60),
        fc.option(fc.stringMatching(/^[0-9]{0,10}$/)),
        fc.constantFrom('Z', '+02:00', '-11:30', 'z', ''),
      )
      .map(
        ([y, mo, d, h, mi, s, frac, zone]) =>
          `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === null ? '' : `.${frac}`}${zone}`,
      );
    fc.assert(
      fc.property(stamp, (text) => {
        expect(readBytes(text)).toBe(parseTimestampNanos(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('splits and joins nanoseconds exactly, before the epoch too', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (n) => {
        const { seconds, nanos } = splitNanos(n);
        expect(nanos).toBeGreaterThanOrEqual(0);
        expect(nanos).toBeLessThan(1e9);
        expect(joinNanos(seconds, nanos)).toBe(n);
      }),
    );
  });
});

describe('sinceParam', () => {
  it.each([
    [1_714_979_289_123_456_789n, '1714979289.123456789'],
    [1_714_979_289_000_000_005n, '1714979289.000000005'],
    [1_714_979_289_100_000_000n, '1714979289.100000000'],
    [1_714_979_289_000_000_000n, '1714979289.000000000'],
    [999n, '0.000000999'],
    [0n, '0.000000000'],
  ])('formats %s as %s', (nanos, text) => {
    expect(sinceParam(nanos)).toBe(text);
  });

  it('round-trips with parseTimestampNanos', () => {
    const nanos = parseTimestampNanos('2024-05-06T07:08:09.000000042Z')!;
    expect(sinceParam(nanos)).toBe(`${SECONDS}.000000042`);
  });
});
