import type { BenchContext, BenchSection } from './context.js';
import { sleep } from './context.js';
import { GeneratorSet } from './generator.js';
import { LagGauge, waitForTails } from './lag.js';
import { judgeLag, round } from './stats.js';
import { measureWindow } from './throughput.js';

/** Rates tried, in order, until Logwarden falls behind (or the generators cannot write more). */
const SINGLE_RATES = [
  5_000, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 130_000,
];
const HOST_RATES = [10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 130_000, 160_000];
const HOST_CONTAINERS = 10;

async function ramp(
  ctx: BenchContext,
  kind: 'single' | 'host',
  containers: number,
  rates: number[],
) {
  const set = await GeneratorSet.start(ctx.engine, `cap-${kind}`, containers);
  let best = 0;
  let bestAchieved = 0;
  let firstFailure: Record<string, unknown> | null = null;
  try {
    await waitForTails(ctx, containers);
    const gauge = await LagGauge.at(ctx, set);
    const seconds = Math.max(6, Math.round(ctx.options.cellSeconds * 0.7));
    for (const rate of rates) {
      set.load({ totalRate: rate, matchRatio: ctx.options.matchRatio, notifyEvery: 0 });
      await sleep(2000);
      const w = await measureWindow(gauge, { logwarden: () => [ctx.served.pid] }, seconds, rate);
      set.idle();
      const drain = await gauge.drain();
      const achieved = Math.round(w.written / w.seconds);
      const lag = judgeLag(w.lagSamples, achieved);
      // The generators could not write the rate (dockerd would not take it): the engine
      // is the bound here, not Logwarden; the ramp ends.
      const engineBound = achieved < rate * 0.9;
      ctx.emit({
        section: 'capacity',
        kind,
        containers,
        rate,
        achieved_rate: achieved,
        lag,
        drain_seconds: round(drain, 1),
        logwarden_cores: round(w.cpu.logwarden! / w.seconds, 2),
        engine_bound: engineBound,
      });
      if (!lag.kept_up) {
        firstFailure = { rate, achieved, lag_final: lag.final };
        break;
      }
      best = rate;
      bestAchieved = achieved;
      if (engineBound) break;
    }
  } finally {
    await set.remove();
    await waitForTails(ctx, 0).catch(() => undefined);
  }
  ctx.emit({
    section: 'capacity',
    kind,
    containers,
    summary: true,
    highest_kept_up_rate: best,
    highest_kept_up_achieved: bestAchieved,
    first_failure: firstFailure,
  });
}

/** The highest rate one container, and ten together, sustain without growing lag. */
export const capacitySection: BenchSection = {
  name: 'capacity',
  async run(ctx) {
    await ramp(ctx, 'single', 1, SINGLE_RATES);
    await ramp(ctx, 'host', HOST_CONTAINERS, HOST_RATES);
  },
};
