import { RE2 } from 're2';
import { describe, expect, it } from 'vitest';
import { MIN_LITERAL_BYTES, requiredLiterals } from './required-literals.js';

/** The literals as text; a caseless one is shown with a `(?i)` in front. */
const literalOf = (pattern: string) =>
  requiredLiterals(new RE2(pattern).internalSource)?.map((l) =>
    l.caseless ? `(?i)${l.text}` : l.text,
  ) ?? null;

describe('requiredLiterals', () => {
  it.each([
    ['ERROR (?P<code>\\d+)', 'ERROR '],
    ['ERROR (?<code>\\d+) in (?P<where>\\w+)', 'ERROR '],
    ['fail(ure)? code=17 [a-z]+', ' code=17 '],
    ['(timeout|deadline) after [0-9]+ms op=2', ' after '], // the first of the longest
    ['status=5[0-9][0-9] route=/api/v3/', ' route=/api/v3/'], // `/` comes back escaped
    ['^panic: worker-1 [A-Za-z_]+$', 'panic: worker-1 '],
    ['(?:abc)def', 'abcdef'], // a group that is a plain literal joins its neighbours
    ['x(?P<n>abc)yz', 'xabcyz'],
    ['(?s:abc)d.e', 'abcd'],
    ['(?s)abc', 'abc'],
    ['ab(?:cd|ce)fgh', 'fgh'],
    ['(?:ab(?:x|y)cde)', 'cde'],
    ['ab{2}cde', 'cde'], // b{2} is a repetition: `b` is not in the run
    ['abcd{1,3}?x', 'abc'],
    ['\\.\\*\\+\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\', '.*+()[]{}|^$\\'],
    ['\\Qa.b*c\\E', 'a.b*c'],
    ['\\Qa.b\\E+xyz', 'xyz'], // a quantifier drops the whole quote
    ['héllo wörld', 'héllo wörld'],
    ['é€x', 'é€x'], // 6 bytes, though 3 characters
    ['a]bc', 'a]bc'],
    ['[]abc]def', 'def'],
    ['[[:alpha:]]def', 'def'],
    ['abc\\d+xyzw', 'xyzw'],
    ['a{,2}bcd', 'bcd'], // RE2 reads `{,2}` as text; the parser just breaks the run there
  ])('%s → %s', (pattern, literal) => {
    expect(literalOf(pattern)).toEqual([literal]);
  });

  it.each([
    ['(segfault|SIGSEGV|core dumped)', ['segfault', 'SIGSEGV', 'core dumped']],
    ['error|panic', ['error', 'panic']],
    ['error|error', ['error']],
    ['(?:error|fatal): x', ['error', 'fatal']], // `: x` is shorter
    ['(?:error|failure) at (?:db|net)', ['error', 'failure']],
    ['(?:abcd|efgh)wxyz', ['wxyz']], // as long, and one literal
    ['a(bcd|efg(hij|klm))', ['bcd', 'efg']],
    ['(?:x.abcd|ef.ghij)z', ['abcd', 'ghij']], // the best of each branch
    ['(?:(?:abc|def)|ghi)', ['abc', 'def', 'ghi']],
  ])('%s → one of %j', (pattern, literals) => {
    expect(literalOf(pattern)).toEqual(literals);
  });

  it.each([
    ['error|pa'], // a branch whose literal is too short
    ['(?:error|)x'], // an empty branch
    ['(?:error|\\d+)'], // a branch without a literal
    ['(?:error)?'],
    ['(?:error)*x'],
    ['(?:error)+'], // required, but the parser does not look inside repetitions
    ['(?:error){2}'],
    ['x'.repeat(MIN_LITERAL_BYTES - 1)], // too short
    ['a.b.c.d'],
    ['\\p{Greek}'], // the braces hold a class name, not text
    ['\\pLxy'],
    ['\\x{41}BC'],
    ['\\x41BC'],
    ['\\0123'], // octal \012, then `3`
    ['\\141bc'],
    ['ab\\bcd'], // zero-width assertions break the run too
    ['\\d{3}-\\d{4}'],
    ['abc?de'], // `ab` and `de`: both shorter than MIN_LITERAL_BYTES
    ['(a{2,5})'],
  ])('%s has none', (pattern) => {
    expect(literalOf(pattern)).toBeNull();
  });

  it.each([
    ['(?i)error', ['(?i)error']],
    ['(?i)ERROR: (?P<code>\\d+)', ['(?i)error: ']],
    ['(?i:Fatal) failure', [' failure']], // caseless and exact text make separate runs
    ['(?-i)error', ['error']],
    ['(?i)a(?-i)bcdef', ['bcdef']],
    ['(?i)ab(?-i:cd)efgh', ['(?i)efgh']],
    ['(?:(?i)ab)cdef', ['cdef']], // the flag ends with its group
    ['ERROR(?i:x)', ['ERROR']],
    ['(?i)abc(?:x|(?-i)yz)|DEF', ['(?i)abc', '(?i)def']], // flags hold across `|` until `)`
    // RE2 also folds k to U+212A (Kelvin sign) and s to U+017F (long s): they end a run.
    ['(?i)disk full', ['(?i) full']],
    ['(?i)PANIC: kernel', ['(?i)panic: ']],
    ['(?i)\\Qa.b*c\\E', ['(?i)a.b*c']],
    ['(?i)héllo wörld', ['(?i)llo w']], // and so do characters outside ASCII
  ] as [string, string[] | null][])('%s → %j', (pattern, literals) => {
    expect(literalOf(pattern)).toEqual(literals);
  });

  it('rests on RE2 folding no character outside ASCII onto ASCII but onto k and s', () => {
    const beyondAscii: string[] = [];
    for (let cp = 0x80; cp <= 0x10ffff; cp++)
      if (cp < 0xd800 || cp > 0xdfff) beyondAscii.push(String.fromCodePoint(cp));
    const folded = beyondAscii.join('').match(new RE2('(?i)[\\x20-\\x7e]', 'g'));
    expect(folded).toEqual(['\u017f', '\u212a']); // long s, Kelvin sign
    expect(new RE2('(?i)s').test('\u017f')).toBe(true);
    expect(new RE2('(?i)k').test('\u212a')).toBe(true);
  });

  it('answers null rather than guess on syntax it does not know', () => {
    expect(requiredLiterals('(?=abc)abc')).toBeNull();
    expect(requiredLiterals('abc)')).toBeNull();
    expect(requiredLiterals('(abc')).toBeNull();
    expect(requiredLiterals('[abc')).toBeNull();
    expect(requiredLiterals('abc\\')).toBeNull();
    const deep = `${'('.repeat(100_000)}abc${')'.repeat(100_000)}`;
    expect(requiredLiterals(deep)).toBeNull(); // deeper than the stack goes
  });
});
