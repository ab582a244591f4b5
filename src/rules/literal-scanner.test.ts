import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiteralScanner, type Needle } from './literal-scanner.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const exact = (s: string | Buffer): Needle => ({ bytes: Buffer.from(s), caseless: false });
const caseless = (s: string | Buffer): Needle => ({ bytes: Buffer.from(s), caseless: true });

/** ASCII upper case to lower case, nothing else. */
const lower = (buf: Buffer) => Buffer.from(buf.map((x) => (x >= 0x41 && x <= 0x5a ? x | 0x20 : x)));

/**
 * Bytes from a small alphabet, so that needles turn up in lines; it holds the pairs that
 * bit 0x20 folds together (a/A, @/`, space/NUL, !/SOH) and bytes that are not UTF-8.
 */
const bytesArb = (minLength: number, maxLength: number) =>
  fc
    .array(
      fc.constantFrom(0x61, 0x62, 0x41, 0x42, 0x20, 0x00, 0x40, 0x60, 0x21, 0x01, 0xc3, 0xff),
      { minLength, maxLength },
    )
    .map((a) => Buffer.from(a));

describe('LiteralScanner', () => {
  it('finds a needle anywhere, and only whole needles', () => {
    const s = new LiteralScanner([exact('ERROR'), exact('panic:'), exact('é€x')]);
    expect(s.test(b('ERROR'))).toBe(true);
    expect(s.test(b('xx ERROR'))).toBe(true);
    expect(s.test(b('ERROR at the start'))).toBe(true);
    expect(s.test(b('a panic: here'))).toBe(true);
    expect(s.test(b('aé€x'))).toBe(true);
    expect(s.test(b('ERRO'))).toBe(false);
    expect(s.test(b('RRORR'))).toBe(false);
    expect(s.test(b('error Panic: é€'))).toBe(false);
    expect(s.test(b(''))).toBe(false);
    expect(s.test(b('panic'))).toBe(false);
  });

  it('matches caseless needles in any ASCII case, and nothing else', () => {
    const s = new LiteralScanner([caseless('Fatal:'), exact('OOM')]);
    expect(s.test(b('a FATAL: b'))).toBe(true);
    expect(s.test(b('a fAtAl: b'))).toBe(true);
    expect(s.test(b('fatal:'))).toBe(true);
    expect(s.test(b('oom'))).toBe(false); // exact needle
    expect(s.test(b('OOM'))).toBe(true);
    // Bit 0x20 folds `:` with `\x1a`: only letters may differ in case.
    expect(s.test(b('fatal\x1a'))).toBe(false);
    expect(s.test(b('fat@l:'))).toBe(false);
  });

  it('checks needles longer than the window in full, up to the end of the line', () => {
    const s = new LiteralScanner([exact('abc'), exact('xyz-long-needle')]);
    expect(s.test(b('..xyz-long-needle'))).toBe(true);
    expect(s.test(b('..xyz-long-needl'))).toBe(false);
    expect(s.test(b('..xyz-long-needlE..'))).toBe(false);
  });

  it('handles needles longer than a byte can jump', () => {
    const long = Buffer.alloc(300, 'q');
    long[299] = 0x21;
    const s = new LiteralScanner([exact(long)]);
    expect(s.test(Buffer.concat([b('a'), long, b('b')]))).toBe(true);
    expect(s.test(long.subarray(0, 299))).toBe(false);
    expect(s.test(Buffer.alloc(1000, 'q'))).toBe(false);
  });

  it('refuses needles it cannot use', () => {
    expect(() => new LiteralScanner([])).toThrow(/at least one/);
    expect(() => new LiteralScanner([exact('ab'), exact('c')])).toThrow(/at least 2 bytes/);
  });

  it('agrees with Buffer#includes on any needles and lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(bytesArb(2, 6), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.array(bytesArb(0, 40), { minLength: 1, maxLength: 8 }),
        (specs, lines) => {
          const scanner = new LiteralScanner(specs.map(([bytes, c]) => ({ bytes, caseless: c })));
          for (const line of lines) {
            const found = specs.some(([bytes, c]) =>
              c ? lower(line).includes(lower(bytes)) : line.includes(bytes),
            );
            expect(scanner.test(line)).toBe(found);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads only the line it is given, not the pool behind a Buffer slice', () => {
    const pool = b('xxERRORxx');
    const s = new LiteralScanner([exact('ERROR')]);
    expect(s.test(pool.subarray(0, 5))).toBe(false);
    expect(s.test(pool.subarray(3))).toBe(false);
    expect(s.test(pool.subarray(2, 7))).toBe(true);
  });
});
