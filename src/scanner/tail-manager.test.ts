import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logLine, type LogLine, type LogsOptions } from '../docker/index.js';
import { AppError, ErrorCode } from '../errors.js';
import type { ContainerChange, ContainerRecord } from '../inventory/index.js';
import type { RuleSnapshot } from '../rules/index.js';
import { ScanEngine } from './scan-engine.js';
import { TailManager, type TailManagerOptions } from './tail-manager.js';
import { containerRecord } from '../../test/support/fixtures.js';

const container = containerRecord;

/** A follow stream the test ends (or feeds) by hand, like Docker's. */
class Feed implements AsyncIterable<LogLine> {
  private ended = false;
  private lines: LogLine[] = [];
  private wake: (() => void) | null = null;
  end() {
    this.ended = true;
    this.wake?.();
  }
  /** Like the real client's stream: dropping the connection ends it. */
  destroy() {
    this.end();
  }
  push(text: string, timeNanos: bigint | null = null) {
    this.lines.push(logLine({ stream: 'stdout', timeNanos, text }));
    this.wake?.();
  }
  /** The lines as the tail reads them, a batch of one at a time; destroy() ends it. */
  batches(): AsyncIterable<LogLine[]> & { destroy(): void } {
    const lines = this[Symbol.asyncIterator]();
    return {
      destroy: () => this.destroy(),
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const r = await lines.next();
          return r.done ? r : { done: false, value: [r.value] };
        },
      }),
    };
  }
  [Symbol.asyncIterator](): AsyncIterator<LogLine> {
    return {
      next: async () => {
        while (!this.ended && this.lines.length === 0)
          await new Promise<void>((r) => (this.wake = r));
        const value = this.lines.shift();
        return value ? { done: false, value } : { done: true, value: undefined };
      },
    };
  }
}

class FakeEngine {
  feeds = new Map<string, Feed[]>();
  unavailable = new Set<string>();
  async logs(id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>> {
    if (this.unavailable.has(id))
      throw new AppError(ErrorCode.DockerLogsUnavailable, 'driver none');
    const feed = new Feed();
    // Like the real client: aborting the request ends the stream.
    options.signal?.addEventListener('abort', () => feed.end());
    this.feeds.set(id, [...(this.feeds.get(id) ?? []), feed]);
    return feed;
  }
  async logBatches(id: string, options: LogsOptions) {
    return ((await this.logs(id, options)) as Feed).batches();
  }
  newerLines = false;
  probes = 0;
  async hasLinesAfter() {
    this.probes++;
    return this.newerLines;
  }
  endAll(id: string) {
    for (const feed of this.feeds.get(id) ?? []) feed.end();
  }
}

const noRules = {
  current: (): RuleSnapshot => ({
    version: 1,
    ruleCount: 0,
    compileErrors: [],
    matcherFor: () => ({ size: 0, match: () => [] }),
  }),
};

function setup(running: ContainerRecord[], options: Partial<TailManagerOptions> = {}) {
  const docker = new FakeEngine();
  let listener: ((c: ContainerChange) => void) | null = null;
  const marked: string[] = [];
  const engine = new ScanEngine({ ratePerSecond: 1, burst: 1 });
  const manager = new TailManager({
    docker,
    sink: { commit: async () => undefined },
    rules: noRules,
    engine,
    inventory: {
      onChange: (l) => {
        listener = l;
        return () => (listener = null);
      },
      list: async () => running,
      setLogsAvailable: async (id) => void marked.push(id),
    },
    cursors: { load: async () => ({}) },
    watermark: {
      begin: async (now) => ({ firstWatchedAt: now, lastWatchedAt: null }),
      touch: async () => undefined,
    },
    log: pino({ level: 'silent' }),
    options: { initialTailLines: 0, tailBackoffMs: { min: 1, max: 2 }, ...options },
  });
  const change = (c: ContainerChange) => listener?.(c);
  const tailIds = () =>
    manager
      .stats()
      .tails.map((t) => t.container_id)
      .sort();
  return { docker, manager, change, marked, tailIds, engine, hasListener: () => listener !== null };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
};

describe('TailManager', () => {
  it('tails the running containers at start and new ones as they start', async () => {
    const { manager, change, tailIds, docker } = setup([container('a'), container('b')]);
    await manager.start();
    await until(() => tailIds().length === 2);
    change({ type: 'started', container: container('c') });
    change({ type: 'started', container: container('c') });
    await until(() => tailIds().includes('c'));
    await until(() => docker.feeds.get('c')?.length === 1);
    expect(tailIds()).toEqual(['a', 'b', 'c']);
    await manager.stop();
  });

  it('lets a stopped container’s tail drain, then forgets it', async () => {
    const { manager, change, tailIds, docker } = setup([container('a')]);
    await manager.start();
    await until(() => docker.feeds.get('a')?.length === 1);
    change({ type: 'stopped', container: container('a', { state: 'stopped' }) });
    // Still draining until Docker ends the stream.
    expect(tailIds()).toEqual(['a']);
    docker.endAll('a');
    await until(() => tailIds().length === 0);
    expect(docker.feeds.get('a')).toHaveLength(1);
    await manager.stop();
  });

  it('restarts a tail for a container that starts again while its old tail drains', async () => {
    const { manager, change, tailIds, docker } = setup([container('a')]);
    await manager.start();
    await until(() => docker.feeds.get('a')?.length === 1);
    change({ type: 'stopped', container: container('a', { state: 'stopped' }) });
    change({ type: 'started', container: container('a') });
    docker.endAll('a');
    await until(() => docker.feeds.get('a')?.length === 2);
    expect(tailIds()).toEqual(['a']);
    await manager.stop();
  });

  it('marks a container whose logs cannot be read and does not retry it', async () => {
    const { manager, marked, docker, tailIds } = setup([container('x')]);
    docker.unavailable.add('x');
    await manager.start();
    await until(() => marked.length === 1);
    expect(marked).toEqual(['x']);
    await until(() => tailIds().length === 0);
    await manager.stop();
  });

  it('skips containers already known to have no readable logs', async () => {
    const { manager, docker } = setup([container('n', { logs_available: false })]);
    await manager.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(docker.feeds.size).toBe(0);
    await manager.stop();
  });

  it('stops every tail and unsubscribes on stop', async () => {
    const { manager, docker, hasListener } = setup([container('a'), container('b')]);
    await manager.start();
    await until(() => docker.feeds.size === 2);
    await manager.stop();
    expect(hasListener()).toBe(false);
    expect(manager.stats().active_tails).toBe(0);
  });

  it('taps a running tail’s lines and keeps the tap across a restart of the tail', async () => {
    const { manager, change, docker } = setup([container('a')]);
    await manager.start();
    expect(manager.tapLines('nope', () => undefined)).toBeNull();
    await until(() => docker.feeds.get('a')?.length === 1);
    const heard: string[] = [];
    const untap = manager.tapLines('a', (line) => heard.push(line.text))!;
    docker.feeds.get('a')![0]!.push('one');
    await until(() => heard.length === 1);
    change({ type: 'stopped', container: container('a', { state: 'stopped' }) });
    change({ type: 'started', container: container('a') });
    docker.endAll('a');
    await until(() => docker.feeds.get('a')?.length === 2);
    docker.feeds.get('a')![1]!.push('two');
    await until(() => heard.length === 2);
    untap();
    untap();
    docker.feeds.get('a')![1]!.push('three');
    await until(() => manager.stats().tails[0]?.lines === 2);
    expect(heard).toEqual(['one', 'two']);
    await manager.stop();
  });

  it('re-attaches a tail that went silent while Docker has newer lines', async () => {
    const { manager, docker, engine } = setup([container('a')], {
      stallAfterMs: 20,
      stallCheckIntervalMs: 5,
    });
    await manager.start();
    await until(() => docker.feeds.get('a')?.length === 1);
    docker.feeds.get('a')![0]!.push('one', 1_000n);
    await until(() => manager.stats().tails[0]?.lines === 1);
    // Docker has nothing newer: the probes back off instead of re-attaching.
    await new Promise((r) => setTimeout(r, 200));
    expect(docker.feeds.get('a')).toHaveLength(1);
    const quietProbes = docker.probes;
    expect(quietProbes).toBeGreaterThan(0);
    expect(quietProbes).toBeLessThan(8);
    docker.newerLines = true;
    await until(() => docker.feeds.get('a')?.length === 2);
    expect(engine.counters.stalls).toBe(1);
    await manager.stop();
  });
});
