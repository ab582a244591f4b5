import { sql, type RawBuilder } from 'kysely';

/**
 * `host_id` is one of `hosts`, where null means this process's own engine (host_id IS
 * NULL: SQL's `in` never matches a null). `hosts` must not be empty.
 */
export function hostIn(hosts: readonly (string | null)[]): RawBuilder<boolean> {
  const named = hosts.filter((h): h is string => h !== null);
  const parts = [
    ...(named.length > 0 ? [sql`host_id in (${sql.join(named)})`] : []),
    ...(named.length < hosts.length ? [sql`host_id is null`] : []),
  ];
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}
