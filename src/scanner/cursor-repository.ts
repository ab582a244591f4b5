import type { Kysely, Transaction } from 'kysely';
import type { LogStreamName } from '../docker/index.js';
import type { Database } from '../store/index.js';
import type { StreamCursors } from './resume-cursor.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Resume cursors, one per (container, stream); nanoseconds kept as decimal text. */
export class CursorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async load(containerId: string): Promise<StreamCursors> {
    const rows = await this.db
      .selectFrom('scan_cursors')
      .selectAll()
      .where('container_id', '=', containerId)
      .execute();
    const out: StreamCursors = {};
    for (const row of rows) {
      out[row.stream as LogStreamName] = {
        tsNanos: BigInt(row.ts_nanos),
        seenAtTs: row.seen_at_ts,
      };
    }
    return out;
  }

  /** Writes the cursors, in one statement; pass the transaction that stores the events they cover. */
  async save(db: Db, containerId: string, cursors: StreamCursors, now: number): Promise<void> {
    const rows = Object.entries(cursors).map(([stream, cursor]) => ({
      container_id: containerId,
      stream,
      ts_nanos: cursor.tsNanos.toString(),
      seen_at_ts: cursor.seenAtTs,
      updated_at: now,
    }));
    if (rows.length === 0) return;
    await db
      .insertInto('scan_cursors')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['container_id', 'stream']).doUpdateSet((eb) => ({
          ts_nanos: eb.ref('excluded.ts_nanos'),
          seen_at_ts: eb.ref('excluded.seen_at_ts'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}
