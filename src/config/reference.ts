import { KEYS } from './schema.js';

function formatDefault(value: unknown): string {
  if (value === null || (Array.isArray(value) && value.length === 0)) return '(none)';
  if (typeof value === 'object' && value && 'host' in value && 'port' in value) {
    return `${String(value.host)}:${String(value.port)}`;
  }
  return String(value);
}

/** The configuration table of docs/configuration.md, generated from the schema. */
export function configReferenceMarkdown(): string {
  const rows = Object.values(KEYS).map((spec) => {
    const secret = 'secret' in spec && spec.secret ? ' (secret: never logged or echoed)' : '';
    const doc = spec.doc.replaceAll('|', '\\|');
    return `| \`${spec.key}\` | \`${spec.env}\` | \`${formatDefault(spec.default)}\` | ${doc}${secret} |`;
  });
  return ['| YAML key | Environment | Default | Meaning |', '|---|---|---|---|', ...rows].join(
    '\n',
  );
}
