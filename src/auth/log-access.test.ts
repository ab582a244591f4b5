import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, migrateUpTo, openStore, type Store } from '../store/index.js';
import { LogAccessSetting } from './log-access.js';

describe('whether viewers may read logs', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.destroy();
    store = undefined;
  });

  const open = () => (store = openStore({ url: 'sqlite::memory:', dataDir: '.' }));
  const setting = async (s: Store, configured: boolean | null) => {
    const access = new LogAccessSetting(s.db, configured);
    await access.load();
    return access.viewersReadLogs();
  };

  it('is on for a new install, unless the configuration says otherwise', async () => {
    const s = open();
    await migrateToLatest(s);
    expect(await setting(s, null)).toBe(true);
    expect(await setting(s, false)).toBe(false);
  });

  it('stays off for an install that had users before the setting existed', async () => {
    const s = open();
    await migrateUpTo(s, '0017_event_text_index');
    await s.db
      .insertInto('users')
      .values({
        username: 'old',
        password_hash: 'x',
        role: 'viewer',
        disabled: 0,
        created_at: 0,
        password_changed_at: 0,
      })
      .execute();
    await migrateToLatest(s);
    expect(await setting(s, null)).toBe(false);
    expect(await setting(s, true)).toBe(true);
  });

  it('is closed until the install default has been read', () => {
    const s = open();
    expect(new LogAccessSetting(s.db, null).viewersReadLogs()).toBe(false);
    expect(new LogAccessSetting(s.db, true).viewersReadLogs()).toBe(true);
  });
});
