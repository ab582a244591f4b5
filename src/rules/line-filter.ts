import { RE2 } from 're2';
import {
  compileOrThrow,
  invalidPattern,
  lengthError,
  type CompiledPattern,
  type Re2,
} from './compile.js';
import { LiteralScanner } from './literal-scanner.js';
import { requiredLiterals } from './required-literals.js';

/** Tells whether a line (its bytes) matches. */
export type LineFilter = (line: Buffer) => boolean;

/**
 * One pattern as a test of lines, the way the rules match: a scan for the literals every
 * match must contain first, so most lines never reach RE2; RE2 decides the rest.
 */
export function lineFilter(pattern: CompiledPattern): LineFilter {
  return reFilter(pattern.re);
}

function reFilter(re: Re2): LineFilter {
  const literals = requiredLiterals(re.internalSource);
  if (literals === null) return (line) => re.test(line);
  const scanner = LiteralScanner.of(literals);
  return (line) => scanner.test(line) && re.test(line);
}

/** RE2's metacharacters, escaped to search for text as it is written. */
const META = /[\\^$.|?*+()[\]{}]/g;

/**
 * A search as a line filter: `text` as an RE2 pattern when `regex`, else as literal text
 * in any case. A pattern RE2 refuses is RULE_INVALID_PATTERN naming `field`.
 */
export function searchFilter(text: string, regex: boolean, field = 'q'): LineFilter {
  if (regex) return lineFilter(compileOrThrow(text, field));
  // The limit is on the text as written: escaped, it may grow to twice as long. Escaped
  // text always compiles, so RE2 gets it directly.
  const tooLong = lengthError(text);
  if (tooLong) throw invalidPattern(field, tooLong);
  return reFilter(new RE2(`(?i)${text.replace(META, '\\$&')}`));
}
