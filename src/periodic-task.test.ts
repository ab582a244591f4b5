import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { eventually } from '../test/support/eventually.js';
import { PeriodicTask } from './periodic-task.js';

const silent = pino({ level: 'silent' });

describe('PeriodicTask', () => {
  it('shares a run still going instead of starting a second one', async () => {
    let runs = 0;
    let release!: () => void;
    const task = new PeriodicTask(
      () =>
        new Promise<number>((resolve) => {
          runs++;
          release = () => resolve(runs);
        }),
      { name: 'test', intervalMs: 60_000, log: silent, runAtStart: false },
    );
    const a = task.run();
    const b = task.run();
    release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    expect(runs).toBe(1);
    const c = task.run();
    release();
    expect(await c).toBe(2);
  });

  it('runs at start and on every interval, and keeps going after a failure', async () => {
    let runs = 0;
    const task = new PeriodicTask(
      async () => {
        runs++;
        if (runs === 2) throw new Error('boom');
      },
      { name: 'test', intervalMs: 20, log: silent },
    );
    task.start();
    await eventually(() => runs >= 4, 5_000, 'four runs');
    await task.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 80));
    expect(runs).toBe(after);
  });

  it('aborts the running work on stop and waits for it to end', async () => {
    let ended = false;
    const task = new PeriodicTask(
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            ended = true;
            resolve();
          });
        }),
      { name: 'test', intervalMs: 60_000, log: silent },
    );
    task.start();
    await task.stop();
    expect(ended).toBe(true);
  });

  it('rejects a failed run to its caller and logs it', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const task = new PeriodicTask(
      async () => {
        throw new Error('disk gone');
      },
      { name: 'pruning', intervalMs: 60_000, log, runAtStart: false },
    );
    await expect(task.run()).rejects.toThrow('disk gone');
    expect(lines.join('')).toMatch(/pruning failed/);
  });
});
