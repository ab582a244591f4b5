export { openStore, type Store, type StoreOptions, type Dialect } from './database.js';
export { migrateToLatest, migrateUpTo, appliedMigrations, MIGRATION_NAMES } from './migrations.js';
export type * from './schema.js';
export { containsInsensitive, containsPattern } from './like.js';
export { dialectOf, trigramMatch, MIN_TRIGRAM_TEXT } from './text-search.js';
export {
  StoreWritability,
  type StoreOutage,
  type WritabilityState,
  type WriteProbeOptions,
} from './writability.js';
export {
  classifyStoreFault,
  describeStoreFault,
  STORE_FAULTS,
  type StoreFault,
} from './store-fault.js';
export { DEFAULT_LOCK_WAIT, type LockWaitOptions } from './sqlite-driver.js';
export { insertBatches, MAX_BOUND_VALUES } from './insert-batches.js';
export { hostIn } from './host-filter.js';
export { runAlways, type RunAlone } from './age-retention.js';
