import { PostgresAdapter, type Kysely } from 'kysely';
import type { Dialect } from './database.js';

/**
 * The dialect behind a Kysely instance, for the few queries that differ per dialect
 * (an index of one kind or the other); repositories are handed only the Kysely.
 */
export function dialectOf(db: Kysely<unknown>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Shorter texts have no trigram: an index of trigrams cannot narrow them down. */
export const MIN_TRIGRAM_TEXT = 3;

/** At most this many trigrams are looked up: more narrow little and cost a posting list each. */
const MAX_TRIGRAMS = 6;

/**
 * An FTS5 MATCH expression for a trigram table (detail=none) that every row containing
 * `text` (case-insensitively) matches: some of its trigrams, ANDed, each one quoted. It
 * also matches rows holding those trigrams apart, so the caller rechecks with LIKE. Null
 * when `text` is shorter than three characters.
 */
export function trigramMatch(text: string): string | null {
  const chars = Array.from(text);
  if (chars.length < MIN_TRIGRAM_TEXT) return null;
  // Non-overlapping trigrams cover the text as well as all of them, at a third the cost;
  // the last one anchors the end.
  const starts: number[] = [];
  for (let i = 0; i + 3 <= chars.length; i += 3) starts.push(i);
  if (starts.at(-1) !== chars.length - 3) starts.push(chars.length - 3);
  const picked = starts.length > MAX_TRIGRAMS ? spread(starts, MAX_TRIGRAMS) : starts;
  const terms = new Set(picked.map((i) => chars.slice(i, i + 3).join('')));
  return [...terms].map((t) => `"${t.replaceAll('"', '""')}"`).join(' AND ');
}

/** `n` of `items`, first and last included, evenly apart. */
function spread<T>(items: T[], n: number): T[] {
  const out: T[] = [];
  for (let k = 0; k < n; k++) out.push(items[Math.round((k * (items.length - 1)) / (n - 1))]!);
  return out;
}
