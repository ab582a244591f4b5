import type { Transaction } from 'kysely';
import type { ContextUpdate, NewEvent } from '../events/index.js';
import type { Database } from '../store/index.js';
import type { CursorRepository } from './cursor-repository.js';
import type { BatchSink } from './tail.js';

/** The event log's atomic batch write, as the scanner needs it. */
export interface EventBatchWriter {
  recordBatch(
    events: NewEvent[],
    alongside: (tx: Transaction<Database>) => Promise<void>,
    contexts?: readonly ContextUpdate[],
  ): Promise<readonly { id: number }[]>;
}

/**
 * Stores a tail's hits, the lines after hits stored before, and its cursors in one
 * transaction; answers the ids the hits got.
 */
export function eventBatchSink(
  events: EventBatchWriter,
  cursors: CursorRepository,
  now: () => number = Date.now,
): BatchSink {
  return {
    commit: async (batch) => {
      const stored = await events.recordBatch(
        batch.events,
        (tx) => cursors.save(tx, batch.containerId, batch.cursors, now()),
        batch.contexts,
      );
      return stored.map((e) => e.id);
    },
  };
}
