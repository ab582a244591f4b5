import type { BenchContext, BenchSection } from './context.js';
import { sleep } from './context.js';
import { GeneratorSet } from './generator.js';
import { waitForTails } from './lag.js';
import { round, slope } from './stats.js';

/**
 * Resident and heap bytes after a forced collection, the median of three readings a
 * half-second apart once the process has settled: without the collection, when V8 frees its
 * pages moves RSS by more than many idle tails cost.
 */
async function settledMemory(ctx: BenchContext): Promise<{ rss: number; heapUsed: number }> {
  await sleep(3_000);
  const readings: { rss: number; heapUsed: number }[] = [];
  for (let i = 0; i < 3; i++) {
    readings.push(await ctx.served.memoryAfterGc());
    await sleep(500);
  }
  readings.sort((a, b) => a.heapUsed - b.heapUsed);
  return readings[1]!;
}

/**
 * Resident memory of Logwarden at rest with 0, 50 and 200 idle tailed containers (they
 * write nothing); the cost of one tail is the slope. Run first, before any load has
 * grown the heap.
 */
export const memorySection: BenchSection = {
  name: 'memory',
  async run(ctx) {
    const rssPoints: { x: number; y: number }[] = [];
    const heapPoints: { x: number; y: number }[] = [];
    const sets: GeneratorSet[] = [];
    let tails = 0;
    try {
      for (const target of ctx.options.idleTails) {
        if (target > tails) {
          sets.push(await GeneratorSet.start(ctx.engine, `idle${target}`, target - tails));
          tails = target;
        }
        await waitForTails(ctx, tails);
        const { rss, heapUsed } = await settledMemory(ctx);
        rssPoints.push({ x: tails, y: rss });
        heapPoints.push({ x: tails, y: heapUsed });
        ctx.emit({
          section: 'memory',
          idle_tails: tails,
          rss_mib: round(rss / 2 ** 20, 1),
          heap_mib: round(heapUsed / 2 ** 20, 1),
        });
      }
    } finally {
      // A set the CPU matrix will want (as many containers as one of its counts) is kept
      // for it: starting fifty containers takes this engine most of a minute.
      let kept = 0;
      for (const set of sets) {
        if (ctx.options.containers.includes(set.size) && !ctx.spareSets.has(set.size)) {
          ctx.spareSets.set(set.size, set);
          kept += set.size;
        } else await set.remove();
      }
      await waitForTails(ctx, kept);
    }
    ctx.emit({
      section: 'memory',
      summary: true,
      per_tail_kib: round(slope(rssPoints) / 1024, 1),
      heap_per_tail_kib: round(slope(heapPoints) / 1024, 1),
    });
  },
};
