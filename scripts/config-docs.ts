// Rewrites the generated table in docs/configuration.md from src/config/schema.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown } from '../src/config/reference.js';

const file = new URL('../docs/configuration.md', import.meta.url);
const text = readFileSync(file, 'utf8');
const begin = '<!-- config-table:begin -->';
const end = '<!-- config-table:end -->';
const start = text.indexOf(begin);
const stop = text.indexOf(end);
if (start < 0 || stop < start) throw new Error('docs/configuration.md lacks the table markers');
writeFileSync(
  file,
  `${text.slice(0, start + begin.length)}\n${configReferenceMarkdown()}\n${text.slice(stop)}`,
);
console.log('docs/configuration.md updated');
