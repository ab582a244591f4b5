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

  it('keeps one event per message id, and any number without one', async () => {
    const { db } = store();
    const row = (msg_id: string | null) => ({
      created_at: 1,
      source: 'logscan',
      severity: 'info',
      severity_rank: 0,
      message: 'hit',
      metadata: '{}',
      workload_id: null,
      container_id: null,
      rule_id: null,
      host_id: 'h1',
      msg_id,
    });
    await db
      .insertInto('event_log')
      .values([row(null), row(null), row('hit:h1:a')])
      .execute();
    await expect(db.insertInto('event_log').values(row('hit:h1:a')).execute()).rejects.toThrow();
    const kept = await db
      .selectFrom('event_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(kept.n)).toBe(3);
    const revision = await db.selectFrom('rule_set_revision').selectAll().execute();
    expect(revision.map((r) => [r.id, Number(r.revision)])).toEqual([[1, 0]]);
  });
});
