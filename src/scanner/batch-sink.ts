import type { Transaction } from 'kysely';
import type { ContextUpdate, NewEvent } from '../events/index.js';
import type { Database } from '../store/index.js';
import { writeConditionState, type ConditionTracker } from './conditions.js';
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
 * Commits what the condition tracker holds (fires and changed state) together with a
 * write of the caller's (a tail's events, cursors and completed contexts). Such commits
 * run one at a time: a state taken later is stored later, and a fire is stored with the
 * state that shows it. A commit when the tracker holds nothing and none of those is
 * under way does not wait; one that comes while one is under way waits its turn: its
 * cursors may cover lines whose count the one under way stores, and must not be stored
 * before it. Answers the ids the caller's events got, in order.
 */
export class ConditionCommitter {
  private chain: Promise<unknown> = Promise.resolve();
  private underWay = 0;

  constructor(
    private readonly events: EventBatchWriter,
    private readonly tracker: ConditionTracker,
    private readonly now: () => number = Date.now,
  ) {}

  commit(
    events: NewEvent[],
    alongside: (tx: Transaction<Database>) => Promise<void> = async () => undefined,
    contexts?: readonly ContextUpdate[],
  ): Promise<number[]> {
    // By position: the scanner's events and the tracker's fires carry no msg_id, so
    // recordBatch stores every one of them and its answer lines up with what it was given.
    const ids = (stored: readonly { id: number }[]) =>
      stored.slice(0, events.length).map((e) => e.id);
    if (!this.tracker.hasPending && this.underWay === 0)
      return this.events.recordBatch(events, alongside, contexts).then(ids);
    this.underWay++;
    const run = this.chain.then(async () => {
      const taken = this.tracker.take();
      try {
        // The caller's events first: their ids are the first ones.
        const stored = await this.events.recordBatch(
          events.concat(taken.events),
          async (tx) => {
            await alongside(tx);
            await writeConditionState(tx, taken, this.now());
          },
          contexts,
        );
        return ids(stored);
      } catch (err) {
        this.tracker.giveBack(taken);
        throw err;
      }
    });
    this.chain = run.catch(() => undefined).finally(() => this.underWay--);
    return run;
  }
}

/**
 * Stores a tail's hits, the lines after hits stored before, and its cursors in one
 * transaction (with the condition state); answers the ids the hits got.
 */
export function eventBatchSink(
  events: EventBatchWriter,
  cursors: CursorRepository,
  now: () => number = Date.now,
  conditions?: ConditionCommitter,
): BatchSink {
  return {
    commit: async (batch) => {
      const alongside = (tx: Transaction<Database>) =>
        cursors.save(tx, batch.containerId, batch.cursors, now());
      if (conditions) return conditions.commit(batch.events, alongside, batch.contexts);
      const stored = await events.recordBatch(batch.events, alongside, batch.contexts);
      return stored.map((e) => e.id);
    },
  };
}
