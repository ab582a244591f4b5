// The literal prefilter in front of the RE2.Set (snapshot.ts, required-literals.ts,
// literal-scanner.ts) must never drop a line that the rules match.
import fc from 'fast-check';
import { RE2 } from 're2';
import { describe, expect, it } from 'vitest';
import { benchCorpus, benchPatterns, benchRules as rules } from '../../bench/matcher.js';
import { compilePattern, execCaptures, type CompiledPattern } from './compile.js';
import { requiredLiterals, type RequiredLiteral } from './required-literals.js';
import { buildSnapshot, type RuleMatcher } from './snapshot.js';

/** ASCII upper case to lower case, nothing else. */
const lower = (buf: Buffer) => Buffer.from(buf.map((x) => (x >= 0x41 && x <= 0x5a ? x | 0x20 : x)));

const contains = (text: Buffer, l: RequiredLiteral) =>
  l.caseless ? lower(text).includes(Buffer.from(l.text)) : text.includes(Buffer.from(l.text));

/** What the matcher must answer: every rule run on its own, in rule order. */
function expected(patterns: readonly CompiledPattern[], line: Buffer) {
  return patterns
    .map((p, i) => ({ id: i + 1, captures: execCaptures(p, line) }))
    .filter((x) => x.captures !== null);
}

const actual = (m: RuleMatcher, line: Buffer) =>
  m.match(line, 'stdout').map((h) => ({ id: h.rule.id, captures: h.captures }));

/**
 * RE2 patterns over a small alphabet with what the literal parser has to get right:
 * runs of text (multi-byte too), escapes that are and are not text, classes, anchors,
 * case-insensitive flags, alternation, optional and repeated groups, \Q…\E.
 */
const patternArb = fc
  .letrec((tie) => ({
    node: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'prefilter' },
      fc.constantFrom('a', 'b', 'c', 'ab', 'abc', 'bca', 'cab', 'é', 'aé', '€', '😀', ' ', '1'),
      fc.constantFrom('k', 's', 'ska', 'AKS', '(?i:sk)', '(?-i)', '(?i-s)'),
      fc.constantFrom('\\.', '\\*', '\\\\', '\\x61', '\\x{62}', '\\141', '\\Qa.b\\E', '\\Qc*\\E'),
      fc.constantFrom('\\d', '\\w', '\\s', '\\b', '\\B', '\\pL', '\\p{Latin}', '\\PL', '\\C'),
      fc.constantFrom('.', '^', '$', '[ab]', '[^a]', '[]a]', '[a-c]', '[[:alpha:]]', '[é€]'),
      fc.constantFrom('(?i)', '(?s)', '(?U)', '(?m)', '(?-s)', '{', '}', ',', 'x{,2}'),
      tie('seq'),
      tie('seq'),
      tie('group'),
      tie('repeat'),
      tie('alt'),
    ),
    seq: fc.tuple(tie('node'), tie('node')).map(([x, y]) => `${String(x)}${String(y)}`),
    alt: fc.tuple(tie('node'), tie('node')).map(([x, y]) => `${String(x)}|${String(y)}`),
    group: fc
      .tuple(fc.constantFrom('(', '(?:', '(?P<g>', '(?<g>', '(?i:', '(?s:', '(?-i:'), tie('node'))
      .map(([open, inner]) => `${open}${String(inner)})`),
    repeat: fc
      .tuple(
        tie('node'),
        fc.constantFrom('*', '+', '?', '{2}', '{1,2}', '{0,}', '{0}', '*?', '??', '{2}?'),
      )
      .map(([inner, q]) => `(?:${String(inner)})${q}`),
  }))
  .node.map((p) => {
    let n = 0;
    return String(p).replace(/\(\?P?<g>/g, () => `(?P<g${++n}>`);
  })
  .map((source) => compilePattern(source))
  .filter((r) => r.ok)
  .map((r) => (r as { ok: true; pattern: CompiledPattern }).pattern);

/** A generated pattern with a literal before or after it, so that it (mostly) has a required literal. */
const withLiteralArb = fc
  .tuple(
    // Caseless ones too, with k and s, which RE2 folds beyond ASCII.
    fc.constantFrom('abc', 'cab', 'aé€', 'b\\.c', '(?i:abc)', '(?i)cab', '(?i)kab', '(?i:abs)'),
    patternArb,
    fc.boolean(),
  )
  .map(([lit, p, before]) => (before ? `${lit}(?:${p.source})` : `(?:${p.source})${lit}`))
  .map((source) => compilePattern(source))
  .filter((r) => r.ok)
  .map((r) => (r as { ok: true; pattern: CompiledPattern }).pattern);

/** Rule sets where every rule has a literal (the prefilter runs), and mixed ones (it does not). */
const ruleSetArb = fc.oneof(
  fc.array(withLiteralArb, { minLength: 1, maxLength: 6 }),
  fc.array(fc.oneof(patternArb, withLiteralArb), { minLength: 1, maxLength: 6 }),
);

const CHUNKS = [
  'a',
  'b',
  'c',
  'ab',
  'abc',
  'A',
  'B',
  'C',
  'ABC',
  'CaB',
  'é',
  'É',
  '€',
  '😀',
  ' ',
  '1',
  'k',
  'K',
  's',
  'S',
  '\u212a',
  '\u017f',
  '\u212aAB',
  'A\u017f',
]
  .concat(['.', '*', '\\', '{', '}', ',', '2', 'x'])
  .map((s) => Buffer.from(s));

const lineArb = fc
  .array(
    fc.oneof(fc.constantFrom(...CHUNKS), fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]))),
    { maxLength: 16 },
  )
  .map((parts) => Buffer.concat(parts));

/** Lines built from the patterns' own text, so that matches are not rare. */
const linesFor = (patterns: CompiledPattern[]) =>
  fc.array(
    fc
      .array(
        fc.oneof(
          fc.constantFrom(...CHUNKS),
          fc.constantFrom(
            ...patterns.map((p) => Buffer.from(p.source.replace(/[\\()?*+|^$]/g, ''))),
          ),
        ),
        { maxLength: 6 },
      )
      .map((parts) => Buffer.concat(parts)),
    { minLength: 1, maxLength: 6 },
  );

describe('requiredLiterals on generated patterns', () => {
  it('names only text of which every match contains one', () => {
    let withLiteral = 0;
    let checked = 0;
    fc.assert(
      fc.property(
        patternArb.chain((p) => fc.tuple(fc.constant(p), linesFor([p]), fc.array(lineArb))),
        ([p, own, random]) => {
          const literals = requiredLiterals(p.re.internalSource);
          if (literals === null) return;
          withLiteral++;
          for (const line of [...own, ...random]) {
            const m = p.re.exec(line);
            if (m === null) continue;
            checked++;
            expect(literals.some((l) => contains(m[0], l))).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
    // Not vacuous: many patterns had a literal, and matched lines.
    expect(withLiteral).toBeGreaterThan(300);
    expect(checked).toBeGreaterThan(300);
  });
});

describe('the matcher with its literal prefilter', () => {
  it('finds what every rule on its own finds, on generated rules and lines', () => {
    let prefiltered = 0;
    let prefilteredMatches = 0;
    fc.assert(
      fc.property(
        ruleSetArb.chain((patterns) => fc.tuple(fc.constant(patterns), linesFor(patterns))),
        ([patterns, lines]) => {
          const { snapshot } = buildSnapshot(rules(patterns.map((p) => p.source)), 1);
          expect(snapshot.compileErrors).toEqual([]);
          const matcher = snapshot.matcherFor(null);
          const literals = patterns.map((p) => requiredLiterals(p.re.internalSource));
          const engaged = literals.every((l) => l !== null);
          if (engaged) prefiltered++;
          for (const line of lines) {
            const want = expected(patterns, line);
            expect(actual(matcher, line)).toEqual(want);
            if (engaged && want.length > 0) prefilteredMatches++;
          }
        },
      ),
      { numRuns: 1000 },
    );
    // Not vacuous: the prefilter ran on many rule sets, and let matching lines through.
    expect(prefiltered).toBeGreaterThan(100);
    expect(prefilteredMatches).toBeGreaterThan(100);
  });

  it('answers every line of the bench corpus as the plain RE2.Set does', () => {
    const corpus = benchCorpus(200_000).map((l) => Buffer.from(l));
    // The bench rules, then three more with literals (caseless, alternation, captures),
    // then one without: the first 103 run behind the prefilter, all 104 without it.
    const patterns = [
      ...benchPatterns(100),
      '(?i)PANIC: WORKER-9 ',
      'fail(ure)?|timeout',
      'code=(?P<code>[0-9]+) (?P<word>[a-z]+)',
      '[a-z]+=5[0-9]{2} ',
    ];
    const compiled = patterns.map((p) => {
      const r = compilePattern(p);
      if (!r.ok) throw new Error(r.error);
      return r.pattern;
    });
    const hasLiterals = compiled.map((p) => requiredLiterals(p.re.internalSource) !== null);
    expect(hasLiterals.lastIndexOf(false)).toBe(103);
    expect(hasLiterals.indexOf(false)).toBe(103);
    for (const count of [1, 10, 100, 103, 104]) {
      const some = compiled.slice(0, count);
      const set = new RE2.Set(patterns.slice(0, count));
      const matcher = buildSnapshot(rules(patterns.slice(0, count)), 1).snapshot.matcherFor(null);
      const hitsPerRule = new Map<number, number>();
      for (const line of corpus) {
        const want = set
          .match(line)
          .sort((a, b) => a - b)
          .map((i) => ({ id: i + 1, captures: execCaptures(some[i]!, line) }));
        const got = actual(matcher, line);
        if (JSON.stringify(got) !== JSON.stringify(want))
          expect({ line: line.toString(), got }).toEqual({ line: line.toString(), got: want });
        for (const hit of got) hitsPerRule.set(hit.id, (hitsPerRule.get(hit.id) ?? 0) + 1);
      }
      expect(hitsPerRule.size).toBeGreaterThan(0);
      // The extra rules all match somewhere in the corpus.
      for (let id = 101; id <= count; id++) expect(hitsPerRule.get(id)).toBeGreaterThan(0);
    }
  });

  it('still runs the rules without a literal on lines without any literal', () => {
    const { snapshot } = buildSnapshot(
      rules(['ERROR (?P<code>\\d+)', '(?i)panic', 'oom|killed', 'disk full']),
      1,
    );
    const m = snapshot.matcherFor(null);
    const ids = (line: string) => actual(m, Buffer.from(line)).map((h) => h.id);
    expect(ids('PaNiC now')).toEqual([2]);
    expect(ids('was killed')).toEqual([3]);
    expect(ids('ERROR 7 panic: disk full, oom')).toEqual([1, 2, 3, 4]);
    expect(ids('all good')).toEqual([]);
  });

  it('returns one shared empty result for lines that match nothing', () => {
    const matcher = (patterns: string[]) =>
      buildSnapshot(rules(patterns), 1).snapshot.matcherFor(null);
    const withLiterals = matcher(['ERROR', 'panic: [0-9]']);
    const none = withLiterals.match(Buffer.from('all good'), 'stdout');
    expect(none).toEqual([]);
    expect(Object.isFrozen(none)).toBe(true);
    // No per-line array, whichever path answers: the prefilter, the set, a single rule.
    expect(withLiterals.match(Buffer.from('still good'), 'stderr')).toBe(none);
    expect(withLiterals.match(Buffer.from('panic: x'), 'stdout')).toBe(none); // past the scan
    expect(matcher(['ERROR', '(?i)fatal']).match(Buffer.from('ok'), 'stdout')).toBe(none);
    expect(matcher(['(?i)fatal']).match(Buffer.from('ok'), 'stdout')).toBe(none);
    expect(matcher(['fatal (\\d+)']).match(Buffer.from('ok'), 'stdout')).toBe(none);
    expect(withLiterals.match(Buffer.from('ERROR'), 'stdout')).toHaveLength(1);
  });
});
