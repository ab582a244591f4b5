import { sql, type RawBuilder } from 'kysely';

/** `%text%` with LIKE's wildcards made literal. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Case-insensitive substring match on a column, the same on SQLite and PostgreSQL. */
export function containsInsensitive(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${containsPattern(text)} escape '\\'`;
}
