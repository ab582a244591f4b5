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

  /** Writes the cursors; pass the transaction that stores the events they cover. */
  async save(db: Db, containerId: string, cursors: StreamCursors, now: number): Promise<void> {
    for (const [stream, cursor] of Object.entries(cursors)) {
      const values = {
        container_id: containerId,
        stream,
        ts_nanos: cursor.tsNanos.toString(),
        seen_at_ts: cursor.seenAtTs,
        updated_at: now,
      };
      await db
        .insertInto('scan_cursors')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['container_id', 'stream']).doUpdateSet({
            ts_nanos: values.ts_nanos,
            seen_at_ts: values.seen_at_ts,
            updated_at: now,
          }),
        )
        .execute();
    }
  }
}
