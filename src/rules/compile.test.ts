import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import {
  captureGroupNames,
  captureText,
  compileOrThrow,
  compilePattern,
  execCaptures,
} from './compile.js';
import { MAX_CAPTURE_BYTES } from './model.js';

function captures(pattern: string, line: string | Buffer) {
  return execCaptures(compileOrThrow(pattern), Buffer.isBuffer(line) ? line : Buffer.from(line));
}

describe('compilePattern', () => {
  it.each([
    ['(?=x)', /invalid perl operator: \(\?=/],
    ['x(?!y)', /invalid perl operator: \(\?!/],
    ['(?<=a)b', /invalid perl operator: \(\?<=/],
    ['(a)\\1', /invalid escape sequence: \\1/],
    ['(unclosed', /missing \)/],
    ['[z-a]', /invalid character class range/],
    ['a++', /bad repetition operator/],
  ])('refuses %s with RE2’s message', (pattern, message) => {
    const result = compilePattern(pattern);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('refuses an empty pattern and one over 4 KiB (in UTF-8 bytes)', () => {
    expect(compilePattern('')).toMatchObject({ ok: false, error: 'must not be empty' });
    expect(compilePattern('a'.repeat(4096)).ok).toBe(true);
    expect(compilePattern('a'.repeat(4097))).toMatchObject({
      ok: false,
      error: /4097 bytes.*4096/,
    });
    // 1366 × 3 bytes = 4098 bytes, though only 1366 characters.
    expect(compilePattern('€'.repeat(1366))).toMatchObject({ ok: false, error: /4098 bytes/ });
  });

  it('throws RULE_INVALID_PATTERN naming the field', () => {
    try {
      compileOrThrow('(a)\\1', 'rule_id');
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'RULE_INVALID_PATTERN')).toBe(true);
      expect(err).toMatchObject({ field: 'rule_id', message: /^rule_id: invalid escape/ });
    }
  });
});

describe('captures', () => {
  it('names groups in both spellings', () => {
    expect(captures('code=(?P<code>\\d+)', 'ERROR code=42')).toEqual({ code: '42' });
    expect(captures('code=(?<code>\\d+)', 'ERROR code=42')).toEqual({ code: '42' });
  });

  it('numbers unnamed groups among all groups, and omits groups that did not take part', () => {
    expect(captures('(?P<level>[A-Z]+) (\\w+)=(\\d+)', 'ERROR code=42')).toEqual({
      level: 'ERROR',
      $2: 'code',
      $3: '42',
    });
    expect(captures('(a)|(b)', 'b')).toEqual({ $2: 'b' });
    expect(captures('x(?P<opt>y)?z', 'xz')).toEqual({});
    expect(captures('x(y*)z', 'xz')).toEqual({ $1: '' });
    expect(captures('nothing', 'no')).toBeNull();
  });

  it('skips non-capturing groups, classes, escapes and quoted text when numbering', () => {
    const pattern = '[(](?i:a)\\((b)\\Q(x)\\E[[:alpha:]()](?P<n>c)(?:d)(e)';
    expect(captureGroupNames(compileOrThrow(pattern).re.internalSource)).toEqual([
      null,
      null,
      'n',
      null,
    ]);
    expect(captures(pattern, '(A(b(x)zcde')).toEqual({ $1: 'b', n: 'c', $3: 'e' });
    expect(captures('[]()](x)', ')x')).toEqual({ $1: 'x' });
    expect(captures('[^]](x)', 'ax')).toEqual({ $1: 'x' });
  });

  it('works on bytes that are not UTF-8 and cuts none into the captures', () => {
    const line = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(' id=é7')]);
    expect(captures('id=(.)(\\d)', line)).toEqual({ $1: 'é', $2: '7' });
    expect(captures('(?P<raw>\\C)', Buffer.from([0xc3]))).toEqual({ raw: '\uFFFD' });
  });

  it('keeps a group called __proto__ as a plain key', () => {
    const out = captures('(?P<__proto__>x)', 'x');
    expect(Object.keys(out!)).toEqual(['__proto__']);
    expect(JSON.stringify(out)).toBe('{"__proto__":"x"}');
  });
});

describe('capture size', () => {
  it('cuts a capture of a 1 MiB line to 1 KiB on a character boundary, ending in …', () => {
    const line = Buffer.from(`ERR ${'€'.repeat(350_000)} end`);
    expect(line.length).toBeGreaterThan(1024 * 1024);
    const got = captures('ERR (?P<rest>.*) (?P<tail>end)', line)!;
    expect(Buffer.byteLength(got.rest!)).toBeLessThanOrEqual(MAX_CAPTURE_BYTES);
    expect(Buffer.byteLength(got.rest!)).toBeGreaterThan(MAX_CAPTURE_BYTES - 8);
    expect(got.rest!.endsWith('…')).toBe(true);
    expect(got.rest!.slice(0, -1)).toBe('€'.repeat(got.rest!.length - 1));
    expect(got.tail).toBe('end');
  });

  it('leaves a capture of exactly the limit alone, and keeps invalid bytes within it', () => {
    expect(captures('(?P<v>.*)', 'x'.repeat(MAX_CAPTURE_BYTES))!.v).toBe(
      'x'.repeat(MAX_CAPTURE_BYTES),
    );
    // 600 invalid bytes decode to 600 × U+FFFD (1800 bytes): still cut to the limit.
    const bad = captureText(Buffer.alloc(600, 0xff));
    expect(Buffer.byteLength(bad)).toBeLessThanOrEqual(MAX_CAPTURE_BYTES);
    expect(bad.endsWith('…')).toBe(true);
  });
});
