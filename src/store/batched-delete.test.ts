import { describe, expect, it } from 'vitest';
import { deleteInBatches } from './batched-delete.js';

/** A table of `rows` whose deletes cost `msPerRow` on a clock the test owns. */
function table(rows: number, msPerRow: number) {
  let now = 0;
  let left = rows;
  const sizes: number[] = [];
  return {
    sizes,
    left: () => left,
    clock: () => now,
    deleteBatch: (size: number) => {
      sizes.push(size);
      const n = Math.min(size, left);
      left -= n;
      now += n * msPerRow;
      return Promise.resolve(n);
    },
  };
}

const run = (t: ReturnType<typeof table>, maxBatch: number) =>
  deleteInBatches(t.deleteBatch, {
    maxBatch,
    pauseMs: 0,
    budgetMs: 25,
    signal: new AbortController().signal,
    clock: t.clock,
  });

describe('deleteInBatches', () => {
  it('shrinks batches that overrun the budget and deletes every row', async () => {
    const t = table(5000, 1); // 1 ms a row: 25 rows fit the budget
    expect(await run(t, 1000)).toBe(5000);
    expect(t.left()).toBe(0);
    expect(t.sizes[0]).toBe(250);
    // After the first slow calls, no batch is more than twice what fits.
    expect(Math.max(...t.sizes.slice(5))).toBeLessThanOrEqual(50);
  });

  it('grows cheap batches up to the largest allowed', async () => {
    const t = table(20_000, 0.001);
    expect(await run(t, 1000)).toBe(20_000);
    expect(t.sizes.slice(0, 3)).toEqual([250, 500, 1000]);
    expect(Math.max(...t.sizes)).toBe(1000);
  });

  it('stops at the first short batch, and when aborted', async () => {
    const short = table(10, 0);
    expect(await run(short, 4)).toBe(10);
    expect(short.sizes).toEqual([4, 4, 4]);

    const aborted = new AbortController();
    const t = table(100, 0);
    const deleted = await deleteInBatches(
      (size) => {
        aborted.abort();
        return t.deleteBatch(size);
      },
      { maxBatch: 10, pauseMs: 0, signal: aborted.signal, clock: t.clock },
    );
    expect(deleted).toBe(10);
  });
});
