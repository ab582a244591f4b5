import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from './reference.js';
import { KEYS } from './schema.js';

/** Prettier pads markdown tables; compare them cell by cell. */
function normalizeTable(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/\s*\|\s*/g, '|').replace(/-{3,}/g, '---'))
    .join('\n');
}

describe('configuration reference', () => {
  it('docs/configuration.md carries the table generated from the schema', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    // Regenerate with: npm run docs:config
    expect(normalizeTable(doc)).toContain(normalizeTable(configReferenceMarkdown()));
  });

  it('lists every key with its environment variable', () => {
    const table = configReferenceMarkdown();
    for (const spec of Object.values(KEYS)) {
      expect(table).toContain(`\`${spec.key}\``);
      expect(table).toContain(`\`${spec.env}\``);
    }
  });
});
