import type { BenchContext } from './context.js';
import { sleep, until } from './context.js';
import type { GeneratorSet } from './generator.js';

/**
 * Lines one generator set wrote against lines Logwarden read, counted from a quiet
 * moment (nothing written yet or everything read): lag = written − read. Only one set
 * writes at a time, so Logwarden's scanner counter is this set's lines.
 */
export class LagGauge {
  private constructor(
    private readonly ctx: BenchContext,
    private readonly set: GeneratorSet,
    private writtenBase: number,
    private readBase: number,
  ) {}

  static async at(ctx: BenchContext, set: GeneratorSet): Promise<LagGauge> {
    return new LagGauge(ctx, set, set.written(), await ctx.api.linesScanned());
  }

  written(): number {
    return this.set.written() - this.writtenBase;
  }

  async read(): Promise<number> {
    return (await this.ctx.api.linesScanned()) - this.readBase;
  }

  async lag(): Promise<number> {
    const written = this.written();
    return written - (await this.read());
  }

  /** Waits until everything written has been read (the set idle), or `timeoutMs`. */
  async drain(timeoutMs = 120_000): Promise<number> {
    const start = Date.now();
    await sleep(200); // the generators' last progress report
    try {
      await until(
        'Logwarden to read every line written',
        async () => (await this.lag()) <= 0,
        timeoutMs,
      );
    } catch {
      // reported by the caller through the lag it sees
    }
    return (Date.now() - start) / 1000;
  }
}

/** Waits until Logwarden follows `count` containers. */
export async function waitForTails(ctx: BenchContext, count: number): Promise<void> {
  await until(
    `${count} active tails`,
    async () => (await ctx.api.activeTails()) === count,
    300_000,
  );
}
