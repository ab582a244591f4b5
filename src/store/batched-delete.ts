import { sleep } from '../sleep.js';

export interface BatchedDeleteOptions {
  /** The largest batch, and the first one's upper bound. */
  maxBatch: number;
  /** Pause between batches, for everyone else's queries. */
  pauseMs: number;
  signal: AbortSignal;
  /** What one call may take: SQLite runs on the only JavaScript thread. */
  budgetMs?: number;
  clock?: () => number;
}

/** The first batch: small enough to stay inside the budget on a busy machine. */
const FIRST_BATCH = 250;
const MIN_BATCH = 20;
const DEFAULT_BUDGET_MS = 25;

/**
 * Deletes batch after batch until one removes less than it was asked to, sizing each so
 * a call stays near a time budget: the same rows cost far more where a delete also
 * updates a text index, or while the machine is busy. Halves after a slow call, doubles
 * (up to `maxBatch`) after a quick one. Returns how many rows went.
 */
export async function deleteInBatches(
  deleteBatch: (size: number) => Promise<number>,
  options: BatchedDeleteOptions,
): Promise<number> {
  const clock = options.clock ?? (() => performance.now());
  const budget = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const min = Math.min(MIN_BATCH, options.maxBatch);
  let size = Math.min(FIRST_BATCH, options.maxBatch);
  let total = 0;
  for (;;) {
    const started = clock();
    const n = await deleteBatch(size);
    const took = clock() - started;
    total += n;
    if (n < size || options.signal.aborted) return total;
    if (took > budget) size = Math.max(min, Math.floor(size / 2));
    else if (took < budget / 2) size = Math.min(options.maxBatch, size * 2);
    await sleep(options.pauseMs, options.signal);
  }
}
