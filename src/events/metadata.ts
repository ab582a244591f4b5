import { MAX_METADATA_BYTES, METADATA_TRUNCATED } from './model.js';

const ELLIPSIS = '…';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');

function isContainer(value: Json): value is Container {
  return typeof value === 'object' && value !== null;
}

/** Cuts a string to at most `maxBytes` of UTF-8 on a character boundary, ending in `…`. */
function cutString(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  let cut = Math.max(0, maxBytes - Buffer.byteLength(ELLIPSIS));
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return bytes.toString('utf8', 0, cut) + ELLIPSIS;
}

/** A copy with every string (keys left alone) cut to `maxBytes`. */
function cutStrings(value: Json, maxBytes: number): Json {
  if (typeof value === 'string') return cutString(value, maxBytes);
  if (Array.isArray(value)) return value.map((v) => cutStrings(v, maxBytes));
  if (isContainer(value)) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) define(out, k, cutStrings(v, maxBytes));
    return out;
  }
  return value;
}

function longestString(value: Json): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (!isContainer(value)) return 0;
  let longest = 0;
  for (const v of Object.values(value)) longest = Math.max(longest, longestString(v));
  return longest;
}

function define(out: { [key: string]: Json }, key: string, value: Json): void {
  // defineProperty: a capture group may be called __proto__.
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The objects and arrays inside `root`, biggest first, then `root` itself. */
function containersToTrim(root: Container): Container[] {
  const found: { c: Container; size: number }[] = [];
  const walk = (c: Container) => {
    for (const v of Object.values(c))
      if (isContainer(v)) {
        found.push({ c: v, size: bytesOf(v) });
        walk(v);
      }
  };
  walk(root);
  return [...found.sort((a, b) => b.size - a.size).map((f) => f.c), root];
}

/**
 * Removes entries from the end of `c` worth at least `excess` bytes (at least one);
 * `keep` names keys never removed. Returns how many went.
 */
function dropTrailing(c: Container, excess: number, keep: string): number {
  let removed = 0;
  let freed = 0;
  if (Array.isArray(c)) {
    while (c.length > 0 && (removed === 0 || freed < excess)) {
      freed += bytesOf(c.pop()) + 1;
      removed++;
    }
    return removed;
  }
  for (const key of Object.keys(c).reverse()) {
    if (removed > 0 && freed >= excess) break;
    if (key === keep) continue;
    freed += bytesOf(key) + bytesOf(c[key]) + 2;
    delete c[key];
    removed++;
  }
  return removed;
}

/**
 * Keeps an event's metadata within MAX_METADATA_BYTES of JSON. Metadata that fits is
 * returned as it is. Otherwise the copy stored says `metadata_truncated: true` and
 * keeps as much as fits: first its longest strings are shortened (all of them to one
 * length, cut with `…`, as long as possible), and only when even short strings do not
 * fit are entries dropped from the end of its biggest parts (a pattern with hundreds
 * of groups). Keys that come first (the ids the scanner writes) go last.
 */
export function capMetadata(
  metadata: Record<string, unknown>,
  maxBytes: number = MAX_METADATA_BYTES,
): Record<string, unknown> {
  if (bytesOf(metadata) <= maxBytes) return metadata;
  const marked: { [key: string]: Json } = { [METADATA_TRUNCATED]: true };
  for (const [k, v] of Object.entries(JSON.parse(JSON.stringify(metadata)) as object))
    if (k !== METADATA_TRUNCATED) define(marked, k, v as Json);
  const fits = (limit: number) => bytesOf(cutStrings(marked, limit)) <= maxBytes;
  // The longest per-string length that fits: sizes only grow with it.
  const MIN_STRING = 16;
  let lo = MIN_STRING;
  let hi = longestString(marked);
  if (fits(lo)) {
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return cutStrings(marked, lo) as Record<string, unknown>;
  }
  const out = cutStrings(marked, MIN_STRING) as { [key: string]: Json };
  for (let excess = bytesOf(out) - maxBytes; excess > 0; excess = bytesOf(out) - maxBytes) {
    const biggest = containersToTrim(out).find((c) =>
      c === out ? Object.keys(c).length > 1 : Object.keys(c).length > 0,
    );
    if (!biggest || dropTrailing(biggest, excess, METADATA_TRUNCATED) === 0) break;
  }
  return out;
}
