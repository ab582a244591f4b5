import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const wireDir = dirname(fileURLToPath(import.meta.url));
const srcDir = resolve(wireDir, '../..');

/** The module specifiers a file imports or re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

/**
 * What the wire modules reach, following relative imports: the UI compiles all of it
 * in the browser, so none of it may need Node or another package.
 */
function reachable(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = readdirSync(wireDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(wireDir, f));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const specifiers = importsOf(file);
    seen.set(file, specifiers);
    for (const s of specifiers)
      if (s.startsWith('.')) queue.push(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  }
  return seen;
}

describe('the wire contract', () => {
  it('imports nothing but TypeBox and the Node-free domain models', () => {
    const foreign: string[] = [];
    const files = reachable();
    for (const [file, specifiers] of files)
      for (const s of specifiers)
        if (!s.startsWith('.') && s !== '@sinclair/typebox')
          foreign.push(`${relative(srcDir, file)} imports ${s}`);
    expect(foreign).toEqual([]);
    const outside = [...files.keys()]
      .map((f) => relative(srcDir, f))
      .filter((f) => !f.startsWith('api/wire/'));
    // The domains' models (the principal is auth's; a domain with several models names
    // them `<name>-model.ts`) and the error codes: constants and types.
    for (const file of outside)
      expect(file).toMatch(/^(\w+\/([a-z]+-)?model\.ts|auth\/principal\.ts|errors\.ts)$/);
  });
});
