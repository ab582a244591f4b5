import { describe, expect, it } from 'vitest';
import { compileOrThrow } from './compile.js';
import { lineFilter, searchFilter } from './line-filter.js';

const b = (s: string) => Buffer.from(s);

describe('searchFilter', () => {
  it('finds plain text in any case, metacharacters as written', () => {
    const f = searchFilter('Disk (99%) [full]?', false);
    expect(f(b('ERR disk (99%) [FULL]? now'))).toBe(true);
    expect(f(b('disk 99% full'))).toBe(false);
    const dots = searchFilter('a.b', false);
    expect(dots(b('xa.by'))).toBe(true);
    expect(dots(b('axb'))).toBe(false);
  });

  it('folds case beyond ASCII through RE2', () => {
    expect(searchFilter('ÄRGER', false)(b('kein ärger'))).toBe(true);
  });

  it('reads RE2 patterns with regex, case-sensitive unless (?i)', () => {
    const f = searchFilter('needle-\\d+', true);
    expect(f(b('a needle-4711 b'))).toBe(true);
    expect(f(b('a NEEDLE-4711 b'))).toBe(false);
    expect(f(b('needle-x'))).toBe(false);
  });

  it('refuses what RE2 refuses, naming q and giving its reason', () => {
    let caught: unknown;
    try {
      searchFilter('(?=x)', true);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'RULE_INVALID_PATTERN', field: 'q' });
    expect((caught as Error).message).toMatch(/^q: .*invalid/i);
  });

  it('holds plain text to 4096 bytes as written, though escaping makes it longer', () => {
    const dots = '.'.repeat(4096);
    expect(searchFilter(dots, false)(b(`x${dots}y`))).toBe(true);
    expect(searchFilter(dots, false)(b('.'.repeat(4095)))).toBe(false);
    let caught: unknown;
    try {
      searchFilter(`${dots}é`, false);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'RULE_INVALID_PATTERN', field: 'q' });
    expect((caught as Error).message).toBe('q: is 4098 bytes long; the limit is 4096');
  });
});

describe('lineFilter', () => {
  it('agrees with RE2 with and without required literals', () => {
    for (const source of ['timeout after \\d+ms', '\\d+ms', '(?i)segfault|core dumped']) {
      const pattern = compileOrThrow(source);
      const f = lineFilter(pattern);
      for (const line of ['timeout after 30ms', 'took 5ms', 'SEGFAULT', 'core dumped', 'fine'])
        expect(f(b(line)), `${source} on ${line}`).toBe(pattern.re.test(line));
    }
  });
});
