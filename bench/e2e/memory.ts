import type { BenchContext, BenchSection } from './context.js';
import { sleep } from './context.js';
import { GeneratorSet } from './generator.js';
import { waitForTails } from './lag.js';
import { round, slope } from './stats.js';

/**
 * Median of a few RSS readings a second apart, once the process has settled: V8 gives
 * heap pages back only after some idle seconds (its memory reducer), so a reading just
 * after a burst of work (the rules made at start, tails attaching) reads high.
 */
async function settledRss(ctx: BenchContext): Promise<number> {
  await sleep(15_000);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(ctx.served.rssBytes());
    await sleep(1000);
  }
  readings.sort((a, b) => a - b);
  return readings[2]!;
}

/**
 * Resident memory of Logwarden at rest with 0, 50 and 200 idle tailed containers (they
 * write nothing); the cost of one tail is the slope. Run first, before any load has
 * grown the heap.
 */
export const memorySection: BenchSection = {
  name: 'memory',
  async run(ctx) {
    const points: { x: number; y: number }[] = [];
    const sets: GeneratorSet[] = [];
    let tails = 0;
    try {
      for (const target of ctx.options.idleTails) {
        if (target > tails) {
          sets.push(await GeneratorSet.start(ctx.engine, `idle${target}`, target - tails));
          tails = target;
        }
        await waitForTails(ctx, tails);
        const rss = await settledRss(ctx);
        points.push({ x: tails, y: rss });
        ctx.emit({ section: 'memory', idle_tails: tails, rss_mib: round(rss / 2 ** 20, 1) });
      }
    } finally {
      for (const set of sets) await set.remove();
      await waitForTails(ctx, 0);
    }
    ctx.emit({
      section: 'memory',
      summary: true,
      per_tail_kib: round(slope(points) / 1024, 1),
    });
  },
};
