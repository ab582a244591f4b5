import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { appliedMigrations, migrateToLatest, MIGRATION_NAMES } from './migrations.js';

describe.each(DIALECTS)('migrations on %s', (dialect) => {
  const store = useTestStore(dialect);

  it('applies every migration once and is idempotent', async () => {
    expect(await appliedMigrations(store())).toEqual(MIGRATION_NAMES);
    expect((await migrateToLatest(store())).applied).toEqual([]);
  });

  it('creates tables that take rows with generated ids and int8 times as numbers', async () => {
    const { db } = store();
    const now = Date.now();
    const first = await db
      .insertInto('event_log')
      .values({
        created_at: now,
        source: 'system',
        severity: 'info',
        severity_rank: 0,
        message: 'hello',
        metadata: '{}',
        workload_id: null,
        container_id: null,
        rule_id: null,
      })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    expect(typeof first.id).toBe('number');
    expect(first.created_at).toBe(now);
  });
});
