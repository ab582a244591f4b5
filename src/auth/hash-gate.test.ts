import { describe, expect, it } from 'vitest';
import { HashGate } from './hash-gate.js';

describe('hash gate', () => {
  it('runs at most `concurrency` at once, queues a few, refuses the rest', async () => {
    const gate = new HashGate(2, 3);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const work = () =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => releases.push(r));
        running--;
        return 'done';
      });
    const started = Array.from({ length: 8 }, () => work().catch((e: Error) => e.message));
    await new Promise((r) => setImmediate(r));
    // 2 running, 3 queued, 3 refused at once.
    expect(releases).toHaveLength(2);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(started);
    expect(results.filter((r) => r === 'done')).toHaveLength(5);
    expect(results.filter((r) => /too many sign-ins/.test(r))).toHaveLength(3);
    expect(peak).toBe(2);
  });
});
