import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { MERGE_STEP_PAGES, TextIndexMerger } from './text-index-merger.js';

const silent = pino({ level: 'silent' });

describe('TextIndexMerger', () => {
  it('steps until a step finds nothing to merge, asking for a bounded amount each time', async () => {
    const asked: number[] = [];
    let work = 3;
    const merger = new TextIndexMerger(
      async (pages) => {
        asked.push(pages);
        return work-- > 0;
      },
      silent,
      { pauseMs: 0 },
    );
    expect(await merger.mergeAll()).toBe(3);
    expect(asked).toEqual([MERGE_STEP_PAGES, MERGE_STEP_PAGES, MERGE_STEP_PAGES, MERGE_STEP_PAGES]);
  });

  it('stops stepping when stopped, even while there is still work', async () => {
    let steps = 0;
    const merger = new TextIndexMerger(
      async () => {
        steps++;
        return true;
      },
      silent,
      { pauseMs: 1, intervalMs: 60_000 },
    );
    merger.start();
    await new Promise((r) => setTimeout(r, 30));
    await merger.stop();
    const atStop = steps;
    expect(atStop).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(steps).toBe(atStop);
  });
});
