import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

/** When the scanner watched this host: milliseconds since the epoch. */
export interface WatchHistory {
  /** The first time it ever watched (kept across restarts). */
  firstWatchedAt: number;
  /** The last moment the previous run was known to watch; null on the first run. */
  lastWatchedAt: number | null;
}

const SCOPE = 'local';

/** The scanner's watermark row: when it first watched, and when it last did. */
export class WatermarkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Records that a run begins watching now and returns what came before. A database
   * from before the watermark existed is seeded from its oldest resume cursor: that
   * scanner was watching by then, so containers started later are read whole.
   */
  async begin(now: number): Promise<WatchHistory> {
    const row = await this.db
      .selectFrom('scanner_watermark')
      .selectAll()
      .where('scope', '=', SCOPE)
      .executeTakeFirst();
    if (row) {
      await this.touch(now);
      return {
        firstWatchedAt: Number(row.first_watched_at),
        lastWatchedAt: Number(row.last_watched_at),
      };
    }
    const oldest = await this.db
      .selectFrom('scan_cursors')
      .select((eb) => [eb.fn.min('updated_at').as('at'), eb.fn.max('updated_at').as('last')])
      .executeTakeFirst();
    const seeded = oldest?.at != null ? Number(oldest.at) : null;
    const first = seeded !== null && seeded < now ? seeded : now;
    await this.db
      .insertInto('scanner_watermark')
      .values({ scope: SCOPE, first_watched_at: first, last_watched_at: now })
      .onConflict((oc) => oc.column('scope').doNothing())
      .execute();
    return {
      firstWatchedAt: first,
      lastWatchedAt: oldest?.last != null ? Number(oldest.last) : null,
    };
  }

  /** Moves the "last watched" mark; called while the scanner runs. */
  async touch(now: number): Promise<void> {
    await this.db
      .updateTable('scanner_watermark')
      .set({ last_watched_at: now })
      .where('scope', '=', SCOPE)
      .execute();
  }
}
