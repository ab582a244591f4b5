import type { Transaction } from 'kysely';
import type { NewEvent } from '../events/model.js';
import type { Database } from '../store/index.js';
import type { CursorRepository } from './cursor-repository.js';
import type { BatchSink } from './tail.js';

/** The event log's atomic batch write, as the scanner needs it. */
export interface EventBatchWriter {
  recordBatch(
    events: NewEvent[],
    alongside: (tx: Transaction<Database>) => Promise<void>,
  ): Promise<unknown>;
}

/** Stores a tail's hits and its cursors in one transaction. */
export function eventBatchSink(
  events: EventBatchWriter,
  cursors: CursorRepository,
  now: () => number = Date.now,
): BatchSink {
  return {
    commit: (batch) =>
      events
        .recordBatch(batch.events, (tx) =>
          cursors.save(tx, batch.containerId, batch.cursors, now()),
        )
        .then(() => undefined),
  };
}
