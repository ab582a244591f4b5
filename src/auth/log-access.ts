import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

const KEY = 'auth.viewers_read_logs';

/**
 * Whether viewers may read logs: the configuration's word when it says so, else the
 * default this install was given when first migrated past the setting (on for a new
 * install, off for one that had users before: upgrading must not widen who reads
 * secrets). Closed until loaded.
 */
export class LogAccessSetting {
  private installDefault: boolean | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    /** `auth.viewers_read_logs`, null when unset. */
    private readonly configured: boolean | null,
  ) {}

  /** Reads the install's default (after the migrations have run). */
  async load(): Promise<void> {
    const row = await this.db
      .selectFrom('install_defaults')
      .select('value')
      .where('key', '=', KEY)
      .executeTakeFirst();
    this.installDefault = row ? row.value === 'true' : null;
  }

  viewersReadLogs(): boolean {
    return this.configured ?? this.installDefault ?? false;
  }
}
