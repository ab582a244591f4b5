export { openStore, type Store, type StoreOptions, type Dialect } from './database.js';
export { migrateToLatest, appliedMigrations, MIGRATION_NAMES } from './migrations.js';
export type * from './schema.js';
export { containsInsensitive, containsPattern } from './like.js';
