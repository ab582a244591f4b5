import type { RequiredLiteral } from './required-literals.js';

/**
 * Tells whether a line contains any of a set of byte strings, in plain JavaScript: a call
 * into RE2 costs more than scanning a log line here. Wu–Manber: a window as long as the
 * shortest needle slides over the line; the last two bytes of the window say, through a
 * small table, how far it can jump without skipping a possible occurrence, and only
 * where no jump is allowed are the needles ending in those two bytes compared.
 */

/** Two bytes hashed into this many table slots; collisions only make jumps shorter. */
const TABLE_BITS = 12;
const TABLE_MASK = (1 << TABLE_BITS) - 1;

/**
 * Bytes are hashed with bit 0x20 set, which folds ASCII upper case onto lower case, so
 * that caseless needles hash as their text does in any case. It folds a few other pairs
 * too; that only costs jumps, never a match.
 */
const hash = (a: number, b: number) => (((a | 0x20) << 5) ^ (b | 0x20)) & TABLE_MASK;

export interface Needle {
  bytes: Buffer;
  /** ASCII letters match in either case. */
  caseless: boolean;
}

/** A needle ready to compare: byte i of a line matches when (byte | mask[i]) === bytes[i]. */
interface Compiled {
  bytes: Buffer;
  mask: Buffer;
}

const isLowerLetter = (b: number) => b >= 0x61 && b <= 0x7a;

export class LiteralScanner {
  /** The window: the shortest needle's length. */
  private readonly window: number;
  /** Slot → how far the window may move when its last two bytes hash there. */
  private readonly shift: Uint8Array;
  /** Slot → the needles whose first `window` bytes end in bytes hashing there. */
  private readonly candidates: (readonly Compiled[] | undefined)[];

  /** Needles of at least two bytes each; at least one. */
  constructor(needles: readonly Needle[]) {
    if (needles.length === 0) throw new Error('LiteralScanner needs at least one needle');
    const window = Math.min(...needles.map((n) => n.bytes.length));
    if (window < 2) throw new Error('LiteralScanner needles must be at least 2 bytes long');
    // Jumps are stored in a byte.
    this.window = Math.min(window, 255);
    const maxShift = this.window - 1;
    this.shift = new Uint8Array(TABLE_MASK + 1).fill(maxShift);
    const candidates = new Map<number, Compiled[]>();
    for (const needle of compile(needles)) {
      const b = needle.bytes;
      for (let j = 1; j < this.window; j++) {
        const slot = hash(b[j - 1]!, b[j]!);
        const jump = maxShift - j;
        if (jump < this.shift[slot]!) this.shift[slot] = jump;
      }
      const last = hash(b[this.window - 2]!, b[this.window - 1]!);
      const list = candidates.get(last) ?? [];
      list.push(needle);
      candidates.set(last, list);
    }
    this.candidates = Array.from({ length: TABLE_MASK + 1 }, (_, slot) => candidates.get(slot));
  }

  /** A scanner for the literals required-literals.ts found in a pattern. */
  static of(literals: readonly RequiredLiteral[]): LiteralScanner {
    return new LiteralScanner(
      literals.map((l) => ({ bytes: Buffer.from(l.text, 'utf8'), caseless: l.caseless })),
    );
  }

  /** True when the line contains at least one needle. Allocates nothing. */
  test(line: Buffer): boolean {
    const window = this.window;
    const shift = this.shift;
    const end = line.length;
    let pos = window - 1; // the window's last byte
    while (pos < end) {
      const slot = (((line[pos - 1]! | 0x20) << 5) ^ (line[pos]! | 0x20)) & TABLE_MASK;
      const jump = shift[slot]!;
      if (jump !== 0) {
        pos += jump;
        continue;
      }
      const list = this.candidates[slot]!;
      const start = pos - window + 1;
      for (let k = 0; k < list.length; k++) if (occursAt(list[k]!, line, start)) return true;
      pos++;
    }
    return false;
  }
}

function occursAt(needle: Compiled, line: Buffer, start: number): boolean {
  const bytes = needle.bytes;
  const mask = needle.mask;
  const n = bytes.length;
  if (start + n > line.length) return false;
  for (let i = 0; i < n; i++) if ((line[start + i]! | mask[i]!) !== bytes[i]) return false;
  return true;
}

/** Distinct needles, each with its comparison mask. */
function compile(needles: readonly Needle[]): Compiled[] {
  const seen = new Map<string, Compiled>();
  for (const needle of needles) {
    const bytes = Buffer.from(needle.bytes);
    const mask = Buffer.alloc(bytes.length);
    if (needle.caseless)
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = bytes[i]! >= 0x41 && bytes[i]! <= 0x5a ? bytes[i]! | 0x20 : bytes[i]!;
        if (isLowerLetter(bytes[i]!)) mask[i] = 0x20;
      }
    seen.set(`${needle.caseless ? 'i' : 'c'}${bytes.toString('latin1')}`, { bytes, mask });
  }
  return [...seen.values()];
}
