import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, SilencesTable } from '../store/index.js';
import {
  DEFAULT_SILENCE_PAGE,
  MAX_SILENCE_PAGE,
  type Silence,
  type SilenceMatchers,
  type SilenceSchedule,
  type SilenceState,
} from './silence-model.js';
import type { NewSilence } from './silence-validation.js';

export interface SilenceFilter {
  state?: SilenceState;
}

export interface SilencePage {
  /** Ids below this one (the previous page's `next`). */
  before?: number;
  limit?: number;
}

export interface SilenceList {
  items: Silence[];
  next: number | null;
}

function toSilence(row: Selectable<SilencesTable>): Silence {
  return {
    id: Number(row.id),
    matchers: JSON.parse(row.matchers) as SilenceMatchers,
    starts_at: Number(row.starts_at),
    ends_at: Number(row.ends_at),
    comment: row.comment,
    author: row.author,
    schedule: row.schedule === null ? null : (JSON.parse(row.schedule) as SilenceSchedule),
    ended_by: row.ended_by,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

/** Table access for `silences`. */
export class SilenceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(silence: NewSilence, now: number): Promise<Silence> {
    const row = await this.db
      .insertInto('silences')
      .values({
        matchers: JSON.stringify(silence.matchers),
        starts_at: silence.starts_at,
        ends_at: silence.ends_at,
        comment: silence.comment,
        author: silence.author,
        schedule: silence.schedule === null ? null : JSON.stringify(silence.schedule),
        ended_by: null,
        released_at: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSilence(row);
  }

  async get(id: number): Promise<Silence | null> {
    const row = await this.db
      .selectFrom('silences')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toSilence(row) : null;
  }

  /** Newest first, `state` as of `now`. */
  async list(filter: SilenceFilter, page: SilencePage, now: number): Promise<SilenceList> {
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_SILENCE_PAGE, 1), MAX_SILENCE_PAGE);
    let query = this.db.selectFrom('silences').selectAll();
    if (filter.state === 'expired') query = query.where('ends_at', '<=', now);
    if (filter.state === 'pending')
      query = query.where('starts_at', '>', now).where('ends_at', '>', now);
    if (filter.state === 'active')
      query = query.where('starts_at', '<=', now).where('ends_at', '>', now);
    if (page.before !== undefined) query = query.where('id', '<', page.before);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toSilence);
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  /** Every silence that has not ended by `now` (active or pending), oldest first. */
  async listOpen(now: number): Promise<Silence[]> {
    const rows = await this.db
      .selectFrom('silences')
      .selectAll()
      .where('ends_at', '>', now)
      .orderBy('id')
      .execute();
    return rows.map(toSilence);
  }

  async countOpen(now: number): Promise<number> {
    const { n } = await this.db
      .selectFrom('silences')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ends_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * Ends a silence now (one already ended keeps its end); a pending one ends before it
   * began. Returns the silence as stored, or null when there is none.
   */
  async end(id: number, by: string, now: number): Promise<Silence | null> {
    await this.db
      .updateTable('silences')
      .set({
        ends_at: now,
        // A pending silence ends before it began: it never silenced anything.
        starts_at: sql<number>`case when starts_at > ${now} then ${now} else starts_at end`,
        ended_by: by,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('ends_at', '>', now)
      .execute();
    return this.get(id);
  }

  /** Ended silences whose end has not been handled yet, oldest end first. */
  async unreleased(now: number, limit = 100): Promise<Silence[]> {
    const rows = await this.db
      .selectFrom('silences')
      .selectAll()
      .where('ends_at', '<=', now)
      .where('released_at', 'is', null)
      .orderBy('ends_at')
      .limit(limit)
      .execute();
    return rows.map(toSilence);
  }

  /** Marks an end handled; false when another run got there first. */
  async markReleased(id: number, now: number, db: Kysely<Database> = this.db): Promise<boolean> {
    const result = await db
      .updateTable('silences')
      .set({ released_at: now })
      .where('id', '=', id)
      .where('released_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes silences that ended before `cutoff` and whose end was handled; returns how many. */
  async deleteExpiredBefore(cutoff: number, batch: number): Promise<number> {
    const rows = await this.db
      .selectFrom('silences')
      .select('id')
      .where('ends_at', '<', cutoff)
      .where('released_at', 'is not', null)
      .orderBy('ends_at')
      .limit(batch)
      .execute();
    if (rows.length === 0) return 0;
    const result = await this.db
      .deleteFrom('silences')
      .where(
        'id',
        'in',
        rows.map((r) => Number(r.id)),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  transaction<T>(fn: (tx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }
}
