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

const hash = (a: number, b: number) => ((a << 5) ^ b) & TABLE_MASK;

export class LiteralScanner {
  /** The window: the shortest needle's length. */
  private readonly window: number;
  /** Slot → how far the window may move when its last two bytes hash there. */
  private readonly shift: Uint8Array;
  /** Slot → the needles whose first `window` bytes end in bytes hashing there. */
  private readonly candidates: (readonly Buffer[] | undefined)[];

  /** Needles of at least two bytes each; at least one. */
  constructor(needles: readonly Buffer[]) {
    if (needles.length === 0) throw new Error('LiteralScanner needs at least one needle');
    const window = Math.min(...needles.map((n) => n.length));
    if (window < 2) throw new Error('LiteralScanner needles must be at least 2 bytes long');
    // Jumps are stored in a byte.
    this.window = Math.min(window, 255);
    const maxShift = this.window - 1;
    this.shift = new Uint8Array(TABLE_MASK + 1).fill(maxShift);
    const candidates = new Map<number, Buffer[]>();
    for (const needle of dedupe(needles)) {
      for (let j = 1; j < this.window; j++) {
        const slot = hash(needle[j - 1]!, needle[j]!);
        const jump = maxShift - j;
        if (jump < this.shift[slot]!) this.shift[slot] = jump;
      }
      const last = hash(needle[this.window - 2]!, needle[this.window - 1]!);
      const list = candidates.get(last) ?? [];
      list.push(needle);
      candidates.set(last, list);
    }
    this.candidates = Array.from({ length: TABLE_MASK + 1 }, (_, slot) => candidates.get(slot));
  }

  /** True when the line contains at least one needle. Allocates nothing. */
  test(line: Buffer): boolean {
    const window = this.window;
    const shift = this.shift;
    const end = line.length;
    let pos = window - 1; // the window's last byte
    while (pos < end) {
      const slot = ((line[pos - 1]! << 5) ^ line[pos]!) & TABLE_MASK;
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

function occursAt(needle: Buffer, line: Buffer, start: number): boolean {
  const n = needle.length;
  if (start + n > line.length) return false;
  for (let i = 0; i < n; i++) if (line[start + i] !== needle[i]) return false;
  return true;
}

function dedupe(needles: readonly Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return needles.filter((n) => {
    const key = n.toString('latin1');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
