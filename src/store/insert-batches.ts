/**
 * Values one statement may bind: SQLite's limit (SQLITE_MAX_VARIABLE_NUMBER, 32 766 in
 * the SQLite better-sqlite3 bundles) is the lower one; PostgreSQL's protocol allows 65 535.
 */
export const MAX_BOUND_VALUES = 32_766;

/**
 * Splits the rows of a multi-row INSERT into runs that each fit one statement, counting
 * the columns of the first row (the rows of one insert share their columns).
 */
export function insertBatches<T extends object>(rows: readonly T[]): T[][] {
  if (rows.length === 0) return [];
  const columns = Math.max(1, Object.keys(rows[0]!).length);
  const size = Math.max(1, Math.floor(MAX_BOUND_VALUES / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
