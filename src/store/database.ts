import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError, ErrorCode } from '../errors.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL: the schema everything lives in, when not the default search path. */
  schema?: string;
  /** Where the data lives, without credentials, for logs and /readyz. */
  location: string;
  ping(): Promise<void>;
  destroy(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… , sqlite:PATH, or null for DATA_DIR/logwarden.db. */
  url: string | null;
  dataDir: string;
  /** PostgreSQL only: the schema to use (tests isolate themselves with one each). */
  schema?: string;
  poolSize?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export function openStore(options: StoreOptions): Store {
  const url = options.url;
  if (url && /^postgres(ql)?:/.test(url)) return openPostgres(url, options);
  const path = url?.startsWith('sqlite:')
    ? url.slice('sqlite:'.length)
    : join(options.dataDir, 'logwarden.db');
  return openSqlite(path);
}

function openSqlite(path: string): Store {
  const file = path === ':memory:' ? path : resolve(path);
  // It holds password hashes and notification credentials: ours to read only.
  const isNew = file !== ':memory:' && !existsSync(file);
  if (isNew) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let handle: SQLite.Database;
  try {
    handle = new SQLite(file);
    if (isNew) chmodSync(file, 0o600);
  } catch (err) {
    throw new AppError(ErrorCode.DatabaseUnavailable, `cannot open SQLite database ${file}`, {
      cause: err,
    });
  }
  handle.pragma('journal_mode = WAL');
  handle.pragma('busy_timeout = 5000');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
  };
}

function openPostgres(url: string, options: StoreOptions): Store {
  const parsed = new URL(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    // Times and ids are int8; they fit in a double for the next 285,000 years.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    schema: options.schema,
    location: `postgres://${parsed.host}${parsed.pathname}`,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    destroy: () => db.destroy(),
  };
}
