import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EngineMonitor, type EngineVersionSource } from './engine-monitor.js';

class FakeEngine implements EngineVersionSource {
  up = false;
  calls = 0;
  async version() {
    this.calls++;
    if (!this.up) throw new Error('connect ENOENT /run/docker.sock');
    return { Version: '27.0', ApiVersion: '1.47' };
  }
}

function capturingLog() {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), messages: () => lines.map((l) => l.msg) };
}

/** Lets pino's stream write what was logged. */
const flush = () => new Promise((r) => setImmediate(r));

describe('EngineMonitor', () => {
  it('logs an engine unreachable from the start once, and its recovery once', async () => {
    const engine = new FakeEngine();
    const { log, messages } = capturingLog();
    // Intervals long enough that only the test's own checks run.
    const monitor = new EngineMonitor(engine, log, { minBackoffMs: 60_000 });
    await monitor.start();
    await monitor.check();
    await monitor.check();
    await flush();
    expect(monitor.status()).toMatchObject({ reachable: false });
    expect(messages()).toEqual(['docker engine unreachable']);

    engine.up = true;
    await monitor.check();
    await monitor.check();
    await flush();
    expect(monitor.status()).toMatchObject({ reachable: true, version: '27.0' });
    expect(messages()).toEqual(['docker engine unreachable', 'docker engine reachable again']);
    monitor.stop();
  });

  it('re-checks at once when told, sharing a check already under way', async () => {
    const engine = new FakeEngine();
    engine.up = true;
    const { log, messages } = capturingLog();
    const monitor = new EngineMonitor(engine, log, { healthyIntervalMs: 60_000 });
    await monitor.start();
    expect(engine.calls).toBe(1);

    engine.up = false;
    monitor.recheck();
    monitor.recheck();
    await monitor.check();
    expect(engine.calls).toBe(2);
    await flush();
    expect(monitor.status().reachable).toBe(false);
    expect(messages()).toEqual(['docker engine reachable', 'docker engine unreachable']);
    monitor.stop();
    monitor.recheck();
    expect(engine.calls).toBe(2);
  });
});
