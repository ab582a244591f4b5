import { RE2 } from 're2';
import { AppError, ErrorCode } from '../errors.js';
import { MAX_CAPTURE_BYTES, MAX_PATTERN_BYTES } from './model.js';

function newRe2(source: string) {
  return new RE2(source);
}
/** One RE2.Set over many patterns: which of them match, in one pass over the line. */
export function newRe2Set(sources: string[]) {
  return new RE2.Set(sources);
}
/** RE2's instance types (the package declares only its constructors). */
export type Re2 = ReturnType<typeof newRe2>;
export type Re2Set = ReturnType<typeof newRe2Set>;

/** A pattern compiled by RE2, with what is needed to name its captures. */
export interface CompiledPattern {
  /** What the operator wrote. */
  readonly source: string;
  readonly re: Re2;
  /** Index i (1-based, 0 unused) → the group's name, or null for an unnamed group. */
  readonly groupNames: readonly (string | null)[];
  /** Number of capturing groups. */
  readonly groups: number;
}

export type CompileResult = { ok: true; pattern: CompiledPattern } | { ok: false; error: string };

/**
 * Compiles a pattern without throwing. RE2 refuses what would need backtracking
 * (lookaround, backreferences); its message comes back as `error`. Both spellings of a
 * named group, `(?P<name>…)` and `(?<name>…)`, are accepted.
 */
export function compilePattern(source: string): CompileResult {
  if (typeof source !== 'string') return { ok: false, error: 'must be a string' };
  if (source.length === 0) return { ok: false, error: 'must not be empty' };
  const tooLong = lengthError(source);
  if (tooLong) return { ok: false, error: tooLong };
  let re: Re2;
  try {
    // No flags: case-sensitive, `^`/`$` at the ends of the line; `(?i)` and friends work.
    re = newRe2(source);
  } catch (err) {
    return { ok: false, error: (err as Error).message || 'does not compile' };
  }
  const groupNames = captureGroupNames(re.internalSource);
  return { ok: true, pattern: { source, re, groupNames, groups: groupNames.length - 1 } };
}

/** Why a pattern is longer than MAX_PATTERN_BYTES allows, or null. */
export function lengthError(source: string): string | null {
  const bytes = Buffer.byteLength(source, 'utf8');
  return bytes > MAX_PATTERN_BYTES
    ? `is ${bytes} bytes long; the limit is ${MAX_PATTERN_BYTES}`
    : null;
}

/** RULE_INVALID_PATTERN naming `field`, with why. */
export function invalidPattern(field: string, error: string): AppError {
  return new AppError(ErrorCode.RuleInvalidPattern, `${field}: ${error}`, {
    field,
    details: { compile_error: error },
  });
}

/** Compiles or throws RULE_INVALID_PATTERN naming `field`, with RE2's message. */
export function compileOrThrow(source: string, field = 'pattern'): CompiledPattern {
  const result = compilePattern(source);
  if (!result.ok) throw invalidPattern(field, result.error);
  return result.pattern;
}

/**
 * The capturing groups of an RE2 pattern (its translated `internalSource`), in the order
 * RE2 numbers them (by opening parenthesis). Index 0 is the whole match. Escapes,
 * `\Q…\E`, character classes (with `[:alpha:]` inside) and non-capturing `(?…)` forms
 * are skipped. The pattern has already compiled, so it is well formed.
 */
export function captureGroupNames(pattern: string): (string | null)[] {
  const names: (string | null)[] = [null];
  const n = pattern.length;
  let i = 0;
  let inClass = false;
  while (i < n) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        i += 2;
      }
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        i = end < 0 ? i + 1 : end + 2;
        continue;
      }
      if (c === ']') inClass = false;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++; // a leading ] is a literal
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] !== '?') {
        names.push(null);
      } else {
        const named = /^\(\?P?<([^>=!][^>]*)>/.exec(pattern.slice(i, i + 300));
        if (named) names.push(named[1]!);
      }
    }
    i++;
  }
  return names;
}

const ELLIPSIS = '…';
const ELLIPSIS_BYTES = Buffer.byteLength(ELLIPSIS);

/**
 * What a group matched, as text of at most MAX_CAPTURE_BYTES: a longer match (a group
 * can take a whole 1 MiB line) is cut on a character boundary and ends in `…`. Only the
 * bytes kept are decoded.
 */
export function captureText(value: Buffer, maxBytes = MAX_CAPTURE_BYTES): string {
  if (value.length <= maxBytes) {
    const text = value.toString('utf8');
    // Invalid bytes decode to U+FFFD (3 bytes each): the text may still be too long.
    if (Buffer.byteLength(text) <= maxBytes) return text;
  }
  let cut = Math.max(0, maxBytes - ELLIPSIS_BYTES);
  for (;;) {
    // Back off over UTF-8 continuation bytes so no character is split.
    while (cut > 0 && (value[cut]! & 0xc0) === 0x80) cut--;
    const text = value.toString('utf8', 0, cut);
    if (cut === 0 || Buffer.byteLength(text) + ELLIPSIS_BYTES <= maxBytes) return text + ELLIPSIS;
    cut -= Buffer.byteLength(text) + ELLIPSIS_BYTES - maxBytes;
  }
}

function put(out: Record<string, string>, key: string, value: Buffer): void {
  // defineProperty: a group may be called __proto__.
  Object.defineProperty(out, key, {
    value: captureText(value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Runs the pattern on the line's bytes and returns its captures: named groups by name,
 * unnamed ones as `$1`, `$2`… (numbered among all groups, as RE2 numbers them); groups
 * that did not take part are left out. Null when the line does not match. Captures are
 * decoded as UTF-8 with replacement, so any bytes are fine, and each is at most
 * MAX_CAPTURE_BYTES (cut with `…`).
 */
export function execCaptures(
  pattern: CompiledPattern,
  line: Buffer,
): Record<string, string> | null {
  const m = pattern.re.exec(line);
  if (m === null) return null;
  const out: Record<string, string> = {};
  const groups = (m as unknown as ArrayLike<Buffer | undefined>).length - 1;
  if (groups <= 0) return out;
  const names = pattern.groupNames;
  if (names.length - 1 === groups) {
    for (let i = 1; i <= groups; i++) {
      const value = (m as unknown as (Buffer | undefined)[])[i];
      if (value === undefined) continue;
      put(out, names[i] ?? `$${i}`, value);
    }
    return out;
  }
  // The parse disagreed with RE2 (should not happen): names from RE2, the rest by number.
  for (const [name, value] of Object.entries(m.groups ?? {})) {
    if (value !== undefined) put(out, name, value);
  }
  for (let i = 1; i <= groups; i++) {
    const value = (m as unknown as (Buffer | undefined)[])[i];
    if (value !== undefined) put(out, `$${i}`, value);
  }
  return out;
}
