import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileOrThrow, execCaptures } from './compile.js';
import { MAX_ENABLED_RULES, resolveEffective, type Rule, type RuleStream } from './model.js';
import { buildSnapshot, RuleSnapshotHolder, type RuleMatcher } from './snapshot.js';

let nextId = 1;
function rule(over: Partial<Rule> = {}): Rule {
  const id = over.id ?? nextId++;
  return {
    id,
    name: `rule ${id}`,
    pattern: 'ERROR',
    severity: 'warn',
    stream: 'both',
    cooldown_seconds: 60,
    enabled: true,
    condition: { type: 'line' },
    scope: 'global',
    workload_id: null,
    overrides_rule_id: null,
    resolve_after_seconds: null,
    context: { before: 5, after: 10, multiline: true },
    created_at: 0,
    updated_at: 0,
    ...over,
  };
}

const ids = (m: RuleMatcher, line: string, stream: 'stdout' | 'stderr' = 'stdout') =>
  m.match(Buffer.from(line), stream).map((x) => x.rule.id);

describe('effective rules', () => {
  const g1 = rule({ id: 1, pattern: 'one' });
  const g2 = rule({ id: 2, pattern: 'two' });
  const g3 = rule({ id: 3, pattern: 'three', enabled: false });
  const own = rule({ id: 4, pattern: 'own', scope: 'workload', workload_id: 'shop' });
  const replace = rule({
    id: 5,
    pattern: 'TWO',
    scope: 'workload',
    workload_id: 'shop',
    overrides_rule_id: 2,
  });
  const silence = rule({
    id: 6,
    scope: 'workload',
    workload_id: 'blog',
    overrides_rule_id: 1,
    enabled: false,
  });
  const rows = [g1, g2, g3, own, replace, silence];

  it('are the globals, minus overridden ones, plus the workload’s own', () => {
    const shop = resolveEffective(rows, 'shop');
    expect(shop.map((r) => [r.id, r.source])).toEqual([
      [1, 'global'],
      [4, 'workload'],
      [5, 'override'],
    ]);
    expect(resolveEffective(rows, 'blog').map((r) => r.id)).toEqual([2]);
    expect(resolveEffective(rows, null).map((r) => r.id)).toEqual([1, 2]);
    expect(resolveEffective(rows, 'unknown').map((r) => r.id)).toEqual([1, 2]);
  });

  it('match in the snapshot the same way', () => {
    const { snapshot } = buildSnapshot(rows, 1);
    const shop = snapshot.matcherFor('shop');
    expect(ids(shop, 'one two TWO own three')).toEqual([1, 4, 5]);
    // A disabled override silences the global for that workload only.
    expect(ids(snapshot.matcherFor('blog'), 'one two')).toEqual([2]);
    // Containers without a workload, and workloads without rules, get the globals.
    expect(ids(snapshot.matcherFor(null), 'one two TWO own')).toEqual([1, 2]);
    expect(snapshot.matcherFor('no-rules')).toBe(snapshot.matcherFor(null));
    expect(snapshot.ruleCount).toBe(4);
    expect(snapshot.compileErrors).toEqual([]);
    const hit = shop.match(Buffer.from('TWO'), 'stdout')[0]!;
    expect(hit.rule).toMatchObject({ id: 5, source: 'override', workload_id: 'shop' });
  });

  it('share one matcher between workloads whose effective set is the same', () => {
    const { snapshot } = buildSnapshot(
      [
        g1,
        g2,
        rule({ scope: 'workload', workload_id: 'a', overrides_rule_id: 1, enabled: false }),
        rule({ scope: 'workload', workload_id: 'b', overrides_rule_id: 1, enabled: false }),
        rule({ scope: 'workload', workload_id: 'c', enabled: false }),
      ],
      1,
    );
    expect(snapshot.matcherFor('a')).toBe(snapshot.matcherFor('b'));
    expect(snapshot.matcherFor('c')).toBe(snapshot.matcherFor(null));
    expect(snapshot.matcherFor('a')).not.toBe(snapshot.matcherFor(null));
    expect(snapshot.matcherCount).toBe(2);
  });
});

describe('matching', () => {
  it('honours each rule’s stream', () => {
    const { snapshot } = buildSnapshot(
      [
        rule({ id: 1, stream: 'stdout' }),
        rule({ id: 2, stream: 'stderr' }),
        rule({ id: 3, stream: 'both' }),
      ],
      1,
    );
    const m = snapshot.matcherFor(null);
    expect(m.size).toBe(3);
    expect(ids(m, 'ERROR', 'stdout')).toEqual([1, 3]);
    expect(ids(m, 'ERROR', 'stderr')).toEqual([2, 3]);
  });

  it('returns captures for the rules the set reports, named and numbered', () => {
    const { snapshot } = buildSnapshot(
      [
        rule({ id: 1, pattern: 'code=(?P<code>\\d+)' }),
        rule({ id: 2, pattern: 'user=(\\w+)' }),
        rule({ id: 3, pattern: 'never' }),
        rule({ id: 4, pattern: 'ERROR' }),
      ],
      1,
    );
    const hits = snapshot.matcherFor(null).match(Buffer.from('ERROR code=42 user=bob'), 'stderr');
    expect(hits.map((h) => [h.rule.id, h.captures])).toEqual([
      [1, { code: '42' }],
      [2, { $1: 'bob' }],
      [4, {}],
    ]);
  });

  it('leaves out rules that do not compile and keeps their errors', () => {
    const { snapshot } = buildSnapshot(
      [
        rule({ id: 1, pattern: 'ok' }),
        rule({ id: 2, name: 'lookahead', pattern: 'a(?=b)' }),
        rule({ id: 3, name: 'backref', pattern: '(a)\\1' }),
        rule({ id: 4, name: 'broken but disabled', pattern: '(', enabled: false }),
        rule({ id: 5, name: 'bad severity', severity: 'loud' as never }),
      ],
      7,
    );
    expect(snapshot.version).toBe(7);
    expect(snapshot.ruleCount).toBe(1);
    expect(snapshot.compileErrors).toEqual([
      { rule_id: 2, name: 'lookahead', error: expect.stringMatching(/invalid perl operator/) },
      { rule_id: 3, name: 'backref', error: expect.stringMatching(/invalid escape/) },
      { rule_id: 5, name: 'bad severity', error: 'unknown severity loud' },
    ]);
    expect(ids(snapshot.matcherFor(null), 'ok ab aa ERROR')).toEqual([1]);
  });

  it('keeps a broken override’s global silenced for its workload', () => {
    const { snapshot } = buildSnapshot(
      [
        rule({ id: 1, pattern: 'one' }),
        rule({ id: 2, pattern: '(', scope: 'workload', workload_id: 'w', overrides_rule_id: 1 }),
      ],
      1,
    );
    expect(snapshot.compileErrors.map((e) => e.rule_id)).toEqual([2]);
    expect(ids(snapshot.matcherFor('w'), 'one')).toEqual([]);
    expect(ids(snapshot.matcherFor(null), 'one')).toEqual([1]);
  });

  it(`compiles at most ${MAX_ENABLED_RULES} enabled rules and reports the rest`, () => {
    const rows = Array.from({ length: MAX_ENABLED_RULES + 2 }, (_, i) =>
      rule({ id: i + 1, pattern: `w${i}x` }),
    );
    rows.push(rule({ id: 5000, enabled: false }));
    const { snapshot } = buildSnapshot(rows, 1);
    expect(snapshot.ruleCount).toBe(MAX_ENABLED_RULES);
    expect(snapshot.compileErrors.map((e) => e.rule_id)).toEqual([1001, 1002]);
    expect(snapshot.compileErrors[0]!.error).toMatch(/limit of 1000/);
    expect(ids(snapshot.matcherFor(null), 'a w999x w1000x')).toEqual([1000]);
  });

  it('scans a 1 MiB line against (a+)+$ in linear time', () => {
    const line = Buffer.alloc(1024 * 1024, 'a');
    const { snapshot } = buildSnapshot(
      [rule({ id: 1, pattern: '(a+)+$' }), rule({ id: 2, pattern: '(?P<tail>a*b)$' })],
      1,
    );
    const hits = snapshot.matcherFor(null).match(line, 'stdout');
    expect(hits.map((h) => h.rule.id)).toEqual([1]);
    // The whole line matched; the capture keeps its first KiB (cut with …).
    expect(hits[0]!.captures.$1).toBe(`${'a'.repeat(1021)}…`);
    const alone = buildSnapshot([rule({ id: 1, pattern: '(a+)+$' })], 1).snapshot;
    expect(ids(alone.matcherFor(null), `${line.toString()}!`)).toEqual([]);
  });

  it('never throws, whatever the bytes', () => {
    const { snapshot } = buildSnapshot(
      [
        rule({ id: 1, pattern: '(?P<any>.+)' }),
        rule({ id: 2, pattern: '\\C(\\C)' }),
        rule({ id: 3, pattern: '[^\\x00-\\x7f]+' }),
        rule({ id: 4, pattern: '^$' }),
      ],
      1,
    );
    const m = snapshot.matcherFor(null);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hits = m.match(Buffer.from(bytes), 'stdout');
        for (const h of hits)
          for (const v of Object.values(h.captures)) expect(typeof v).toBe('string');
      }),
    );
  });
});

/** Random small RE2 patterns: literals, classes, groups (named too), repeats, alternation. */
const patternArb = fc
  .letrec((tie) => ({
    node: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'pattern' },
      fc.constantFrom('a', 'b', 'c', '.', '[ab]', '[^a]', '\\d', 'é', 'a|b', ''),
      tie('seq'),
      tie('group'),
      tie('repeat'),
    ),
    seq: fc.tuple(tie('node'), tie('node')).map(([x, y]) => `${String(x)}${String(y)}`),
    group: fc
      .tuple(fc.constantFrom('(', '(?:', '(?P<g>', '(?<g>'), tie('node'))
      .map(([open, inner]) => `${open}${String(inner)})`),
    repeat: fc
      .tuple(tie('node'), fc.constantFrom('*', '+', '?', '{1,2}', '*?'))
      .map(([inner, q]) => `(?:${String(inner)})${q}`),
  }))
  .node.chain((body) =>
    fc
      .tuple(fc.constantFrom('', '^'), fc.constantFrom('', '$'))
      .map(([start, end]) => `${start}${String(body)}${end}`),
  )
  .map((p) => {
    let n = 0;
    return p.replace(/\(\?P?<g>/g, () => `(?P<g${++n}>`);
  })
  .filter((p) => p.length > 0);

const lineArb = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', 'b', 'c', '1', 'é', ' ').map((s) => Buffer.from(s)),
      fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3])),
    ),
    { maxLength: 12 },
  )
  .map((parts) => Buffer.concat(parts));

describe('RE2.Set prefilter', () => {
  it('finds the same matches and captures as running each rule on its own', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pattern: patternArb,
            stream: fc.constantFrom<RuleStream>('stdout', 'stderr', 'both'),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(lineArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom<'stdout' | 'stderr'>('stdout', 'stderr'),
        (specs, lines, stream) => {
          const rows = specs.map((s, i) => rule({ id: i + 1, ...s }));
          const { snapshot } = buildSnapshot(rows, 1);
          expect(snapshot.compileErrors).toEqual([]);
          const matcher = snapshot.matcherFor(null);
          for (const line of lines) {
            const expected = rows
              .filter((r) => r.stream === 'both' || r.stream === stream)
              .map((r) => ({ id: r.id, captures: execCaptures(compileOrThrow(r.pattern), line) }))
              .filter((x) => x.captures !== null);
            const actual = matcher
              .match(line, stream)
              .map((h) => ({ id: h.rule.id, captures: h.captures }));
            expect(actual).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('RuleSnapshotHolder', () => {
  function source(rows: Rule[]) {
    const state = { rows, lists: 0 };
    return {
      state,
      list: async () => {
        state.lists++;
        await new Promise((r) => setImmediate(r));
        return [...state.rows];
      },
    };
  }

  it('starts empty, then swaps in each reload; old matchers keep working', async () => {
    const src = source([rule({ id: 1, pattern: 'old' })]);
    const holder = new RuleSnapshotHolder(src);
    expect(holder.current()).toMatchObject({ version: 0, ruleCount: 0 });
    expect(holder.current().matcherFor('x').size).toBe(0);

    const seen: number[] = [];
    const unsubscribe = holder.onReload((s) => seen.push(s.version));
    const first = await holder.reload();
    expect(holder.current()).toBe(first);
    const before = holder.current().matcherFor(null);
    expect(ids(before, 'old new')).toEqual([1]);

    src.state.rows = [rule({ id: 2, pattern: 'new' }), rule({ id: 3, pattern: '(?!x)' })];
    const second = await holder.reload();
    expect(second.version).toBe(2);
    // The matcher taken before the reload still answers with the rules it was built with.
    expect(ids(before, 'old new')).toEqual([1]);
    expect(ids(holder.current().matcherFor(null), 'old new')).toEqual([2]);
    expect(second.compileErrors).toEqual([
      { rule_id: 3, name: 'rule 3', error: expect.stringMatching(/invalid perl operator/) },
    ]);
    unsubscribe();
    await holder.reload();
    expect(seen).toEqual([1, 2]);
  });

  it('folds reloads asked for during a reload into one more', async () => {
    const src = source([rule({ id: 1 })]);
    const holder = new RuleSnapshotHolder(src);
    const a = holder.reload();
    src.state.rows = [rule({ id: 1 }), rule({ id: 2 })];
    const b = holder.reload();
    const c = holder.reload();
    const [sa, sb, sc] = await Promise.all([a, b, c]);
    expect(src.state.lists).toBe(2);
    expect(sb).toBe(sc);
    expect(sa.version).toBe(1);
    expect(sb.ruleCount).toBe(2);
    expect(holder.current()).toBe(sb);
  });

  it('keeps the current snapshot when the rules cannot be read', async () => {
    let fail = false;
    const holder = new RuleSnapshotHolder({
      list: async () => {
        if (fail) throw new Error('database is locked');
        return [rule({ id: 1 })];
      },
    });
    const good = await holder.reload();
    fail = true;
    await expect(holder.reload()).rejects.toThrow('database is locked');
    expect(holder.current()).toBe(good);
    fail = false;
    expect((await holder.reload()).version).toBe(2);
  });
});
