import pg from 'pg';
import { TEST_PG_URL } from '../support/databases.js';

/**
 * Vitest global setup of the lanes that need PostgreSQL: fails the run at once, saying
 * which server it looked for, rather than letting every repository test time out.
 */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const where = TEST_PG_URL.replace(/\/\/[^@]*@/, '//');
    throw new Error(
      `No PostgreSQL for the integration tests at ${where}: ${(err as Error).message} (start it, or set LOGWARDEN_TEST_PG_URL)`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
