import type { BenchSection } from './context.js';
import { sleep, until } from './context.js';
import { GeneratorSet } from './generator.js';
import { LagGauge, waitForTails } from './lag.js';
import { round } from './stats.js';

/**
 * Catch-up after downtime: Logwarden stops, the generators write `catchupLines` over
 * `downtimeSeconds`, Logwarden starts again on the same database and reads the backlog
 * from its cursors; the rate is lines / time until it has read them all.
 */
export const catchupSection: BenchSection = {
  name: 'catchup',
  async run(ctx) {
    const { catchupLines, downtimeSeconds, catchupContainers, matchRatio } = ctx.options;
    const set = await GeneratorSet.start(ctx.engine, 'catchup', catchupContainers);
    try {
      await waitForTails(ctx, catchupContainers);
      // A few lines first, so every container has a resume cursor when Logwarden stops.
      const gauge = await LagGauge.at(ctx, set);
      set.load({ totalRate: 200 * catchupContainers, matchRatio, notifyEvery: 0 });
      await sleep(1500);
      set.idle();
      await gauge.drain();
      await ctx.stopServed();
      const before = set.written();
      const rate = catchupLines / downtimeSeconds;
      set.load({ totalRate: rate, matchRatio, notifyEvery: 0 });
      await sleep(downtimeSeconds * 1000);
      set.idle();
      await sleep(300);
      const backlog = set.written() - before;
      const spawnedAt = performance.now();
      await ctx.startServed();
      const startedAt = performance.now();
      let firstLineAt: number | null = null;
      let read = 0;
      await until(
        'Logwarden to read the backlog',
        async () => {
          read = await ctx.api.linesScanned();
          if (read > 0 && firstLineAt === null) firstLineAt = performance.now();
          return read >= backlog;
        },
        600_000,
        100,
      );
      const doneAt = performance.now();
      const seconds = (doneAt - (firstLineAt ?? startedAt)) / 1000;
      ctx.emit({
        section: 'catchup',
        containers: catchupContainers,
        downtime_seconds: downtimeSeconds,
        written_rate: Math.round(rate),
        backlog_lines: backlog,
        start_seconds: round((startedAt - spawnedAt) / 1000, 1),
        catchup_seconds: round(seconds, 1),
        catchup_lines_per_second: Math.round(backlog / seconds),
        total_seconds_from_spawn: round((doneAt - spawnedAt) / 1000, 1),
      });
    } finally {
      await set.remove();
      await waitForTails(ctx, 0).catch(() => undefined);
    }
  },
};
