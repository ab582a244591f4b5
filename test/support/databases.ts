import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import pg from 'pg';
import { migrateToLatest, openStore, type Dialect, type Store } from '../../src/store/index.js';

/**
 * The dialects a repository test runs on: both by default; one where the test lane says
 * (LOGWARDEN_TEST_DIALECTS=sqlite in the unit lane, postgres in integration:postgres).
 */
export const DIALECTS: readonly Dialect[] = dialectsOf(process.env.LOGWARDEN_TEST_DIALECTS);

function dialectsOf(value: string | undefined): Dialect[] {
  if (!value) return ['sqlite', 'postgres'];
  const list = value.split(',').map((d) => d.trim());
  for (const d of list)
    if (d !== 'sqlite' && d !== 'postgres')
      throw new Error(`LOGWARDEN_TEST_DIALECTS: unknown dialect ${d} (sqlite or postgres)`);
  return list as Dialect[];
}

export const TEST_PG_URL =
  process.env.LOGWARDEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestStore extends Store {
  cleanup(): Promise<void>;
}

/** A fresh, migrated database: in-memory SQLite, or a PostgreSQL schema of its own. */
export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const store = openStore({ url: 'sqlite::memory:', dataDir: '.' });
    await migrateToLatest(store);
    return { ...store, cleanup: () => store.destroy() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await sharedExtensions();
  await withAdminClient((c) => c.query(`create schema ${schema}`));
  const store = openStore({ url: TEST_PG_URL, dataDir: '.', schema, poolSize: 4 });
  await migrateIgnoringOthersDrops(store);
  return {
    ...store,
    cleanup: async () => {
      await store.destroy();
      await withAdminClient((c) => c.query(`drop schema ${schema} cascade`));
    },
  };
}

/**
 * Kysely's migrator lists the tables of every schema in the database, and PostgreSQL's
 * has_schema_privilege() (or a table or column lookup) fails on a schema that another
 * test drops during that scan:
 * an error about someone else's schema, so try again.
 */
async function migrateIgnoringOthersDrops(store: Store): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await migrateToLatest(store);
      return;
    } catch (err) {
      // The catalog's own words for the same race: "cache lookup failed for namespace N".
      const concurrentDrop =
        /(schema "t_[0-9a-f]+"|relation "t_[0-9a-f]+\.\w+"|column "\w+" of relation "\w+") does not exist|cache lookup failed for namespace/.test(
          String(err),
        );
      if (!concurrentDrop || attempt >= 5 || String(err).includes(store.schema!)) throw err;
    }
  }
}

let extensions: Promise<void> | undefined;

/**
 * pg_trgm in the public schema, once: the migration would otherwise create it in the
 * first test's schema, and dropping that schema would drop it from under every other.
 */
function sharedExtensions(): Promise<void> {
  extensions ??= withAdminClient(async (c) => {
    try {
      await c.query('create extension if not exists pg_trgm with schema public');
    } catch (err) {
      // Another test process created it at the same moment.
      if (!/already exists|duplicate key/.test(String(err))) throw err;
    }
  });
  return extensions;
}

async function withAdminClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Registers beforeEach/afterEach for a describe block; read the store inside tests. */
export function useTestStore(dialect: Dialect): () => TestStore {
  let current: TestStore | undefined;
  beforeEach(async () => {
    current = await openTestStore(dialect);
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('test store used outside a test');
    return current;
  };
}
