import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnLogwarden } from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-rules-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rulesTest(...args: string[]) {
  const run = spawnLogwarden(['rules', 'test', ...args]);
  const code = await run.exit;
  return { code, stdout: run.stdout.join(''), stderr: run.stderr.join('') };
}

describe('logwarden rules test', () => {
  it('prints the matches of a file with their captures', async () => {
    const file = join(dir, 'app.log');
    writeFileSync(file, 'starting\nERROR 42 disk full\nfine\nERROR 7 again\n');
    const out = await rulesTest('--pattern', 'ERROR (?P<code>\\d+)', '--file', file);
    expect(out.code).toBe(0);
    expect(out.stdout.trim().split('\n')).toEqual([
      'line 2: {"code":"42"} ERROR 42 disk full',
      'line 4: {"code":"7"} ERROR 7 again',
    ]);
  });

  it('matches one line, with unnamed groups as $N', async () => {
    const out = await rulesTest('--pattern', '(\\w+)=(\\d+)', '--line', 'retries=3');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('{"$1":"retries","$2":"3"}');
  });

  it('exits 1 when nothing matched', async () => {
    const out = await rulesTest('--pattern', 'panic', '--line', 'all good');
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/no match/);
  });

  it.each([
    [['--pattern', '(?=x)', '--line', 'x'], /--pattern: .*\(\?=/],
    [['--pattern', '(a)\\1', '--line', 'aa'], /--pattern: /],
    [['--pattern', 'x'], /--line .* --file/],
    [['--pattern', 'x', '--file', join(dir, 'absent.log')], /--file: cannot read/],
    [['--line', 'x'], /--pattern/],
  ])('exits 2 on bad input %j', async (args, message) => {
    const out = await rulesTest(...(args as string[]));
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });
});
