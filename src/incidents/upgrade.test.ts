import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, migrateUpTo, openStore, type Store } from '../store/index.js';
import { TriggerRepository } from '../triggers/repository.js';

describe('upgrading to incidents (migration 0021)', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.destroy();
    store = undefined;
  });

  it('keeps existing triggers notifying every event, without reminders', async () => {
    const s = (store = openStore({ url: 'sqlite::memory:', dataDir: '.' }));
    await migrateUpTo(s, '0019_containers_name_index');
    await s.db
      .insertInto('event_triggers')
      .values({
        name: 'old',
        enabled: 1,
        filter: '{}',
        channel_type: 'slack',
        channel: JSON.stringify({ type: 'slack', url: 'https://x.example/y', text_template: null }),
        secret: 'whsec_x',
        disabled_reason: null,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    await migrateToLatest(s);
    const [old] = await new TriggerRepository(s.db).list();
    expect(old).toMatchObject({ notify_on: ['event'], repeat_interval_seconds: 0 });
  });
});
