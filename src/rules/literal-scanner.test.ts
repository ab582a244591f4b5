import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiteralScanner } from './literal-scanner.js';

const b = (s: string) => Buffer.from(s, 'utf8');

/** Bytes from a small alphabet, so needles turn up in lines; 0x20/0x40 and 0x01/0x21 collide in the hash. */
const bytesArb = (minLength: number, maxLength: number) =>
  fc
    .array(fc.constantFrom(0x61, 0x62, 0x63, 0x20, 0x40, 0x01, 0x21, 0xc3, 0xa9, 0xff), {
      minLength,
      maxLength,
    })
    .map((a) => Buffer.from(a));

describe('LiteralScanner', () => {
  it('finds a needle anywhere, and only whole needles', () => {
    const s = new LiteralScanner([b('ERROR'), b('panic:'), b('é€x')]);
    expect(s.test(b('ERROR'))).toBe(true);
    expect(s.test(b('xx ERROR'))).toBe(true);
    expect(s.test(b('ERROR at the start'))).toBe(true);
    expect(s.test(b('a panic: here'))).toBe(true);
    expect(s.test(b('aé€x'))).toBe(true);
    expect(s.test(b('ERRO'))).toBe(false);
    expect(s.test(b('ERRORR'.slice(1)))).toBe(false);
    expect(s.test(b('error panic; é€'))).toBe(false);
    expect(s.test(b(''))).toBe(false);
    expect(s.test(b('panic'))).toBe(false);
  });

  it('checks needles longer than the window in full, up to the end of the line', () => {
    const s = new LiteralScanner([b('abc'), b('xyz-long-needle')]);
    expect(s.test(b('..xyz-long-needle'))).toBe(true);
    expect(s.test(b('..xyz-long-needl'))).toBe(false);
    expect(s.test(b('..xyz-long-needlE..'))).toBe(false);
  });

  it('handles needles longer than a byte can jump', () => {
    const long = Buffer.alloc(300, 'q');
    long[299] = 0x21;
    const s = new LiteralScanner([long]);
    expect(s.test(Buffer.concat([b('a'), long, b('b')]))).toBe(true);
    expect(s.test(long.subarray(0, 299))).toBe(false);
    expect(s.test(Buffer.alloc(1000, 'q'))).toBe(false);
  });

  it('refuses needles it cannot use', () => {
    expect(() => new LiteralScanner([])).toThrow(/at least one/);
    expect(() => new LiteralScanner([b('ab'), b('c')])).toThrow(/at least 2 bytes/);
  });

  it('agrees with Buffer#includes on any needles and lines', () => {
    fc.assert(
      fc.property(
        fc.array(bytesArb(2, 6), { minLength: 1, maxLength: 8 }),
        fc.array(bytesArb(0, 40), { minLength: 1, maxLength: 8 }),
        (needles, lines) => {
          const scanner = new LiteralScanner(needles);
          for (const line of lines)
            expect(scanner.test(line)).toBe(needles.some((n) => line.includes(n)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads only the line it is given, not the pool behind a Buffer slice', () => {
    const pool = b('xxERRORxx');
    const s = new LiteralScanner([b('ERROR')]);
    expect(s.test(pool.subarray(0, 5))).toBe(false);
    expect(s.test(pool.subarray(3))).toBe(false);
    expect(s.test(pool.subarray(2, 7))).toBe(true);
  });
});
