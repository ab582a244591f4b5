import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logLine, type LogLine, type LogsOptions } from '../docker/index.js';
import { AppError, ErrorCode } from '../errors.js';
import type { RuleMatch, RuleMatcher, RuleSnapshot } from '../rules/index.js';
import { ConditionTracker } from './conditions.js';
import { ScanEngine } from './scan-engine.js';
import { Tail, type FlushTimer, type TailBatch, type TailOptions } from './tail.js';
import type { StreamCursors } from './resume-cursor.js';

function line(stream: 'stdout' | 'stderr', ts: bigint, text: string): LogLine {
  return logLine({ stream, timestamp: String(ts), timeNanos: ts, text });
}

/** Every line containing "HIT" matches rule 1. */
const rules = {
  current(): RuleSnapshot {
    const matcher: RuleMatcher = {
      size: 1,
      match(bytes: Buffer): RuleMatch[] {
        return bytes.includes('HIT')
          ? [
              {
                rule: {
                  id: 1,
                  name: 'hit',
                  severity: 'error',
                  stream: 'both',
                  cooldown_seconds: 0,
                  workload_id: null,
                },
                captures: {},
              },
            ]
          : [];
      },
    };
    return { version: 1, ruleCount: 1, compileErrors: [], matcherFor: () => matcher };
  },
};

/** A line-by-line fake log as the tail reads it: a batch of one line at a time. */
async function* oneByOne(lines: AsyncIterable<LogLine>): AsyncIterable<LogLine[]> {
  for await (const line of lines) yield [line];
}

/** Docker's log as it stands: `since` is inclusive, like the real engine. */
class FakeLogs {
  log: LogLine[] = [];
  calls: LogsOptions[] = [];
  failWith: Error | null = null;
  /** Lines a follow leaves out, as Docker's follower does with a skipped rotated file. */
  followerSkips = new Set<bigint>();
  async logs(_id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>> {
    this.calls.push(options);
    if (this.failWith) throw this.failWith;
    const since = options.sinceNanos ?? 0n;
    const until = options.untilNanos ?? null;
    const lines = this.log.filter(
      (l) =>
        l.timeNanos! >= since &&
        (until === null || l.timeNanos! <= until) &&
        !(options.follow && this.followerSkips.has(l.timeNanos!)),
    );
    return (async function* () {
      yield* lines;
    })();
  }
  async logBatches(id: string, options: LogsOptions) {
    return oneByOne(await this.logs(id, options));
  }
}

class MemorySink {
  batches: TailBatch[] = [];
  cursors: StreamCursors = {};
  failures = 0;
  async commit(batch: TailBatch) {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('database is locked');
    }
    this.batches.push(batch);
    this.cursors = structuredClone(batch.cursors);
  }
  get messages() {
    return this.batches.flatMap((b) => b.events.map((e) => e.message));
  }
}

/** A follow that stays open: lines come when the test pushes them, until it is dropped. */
class LivePipe {
  private queue: LogLine[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  push(...lines: LogLine[]): void {
    this.queue.push(...lines);
    this.wake?.();
  }
  async logs(_id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>> {
    options.signal?.addEventListener('abort', () => this.end());
    const next = async (): Promise<IteratorResult<LogLine>> => {
      while (this.queue.length === 0 && !this.ended)
        await new Promise<void>((r) => (this.wake = r));
      const value = this.queue.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    };
    return { [Symbol.asyncIterator]: () => ({ next }) };
  }
  async logBatches(id: string, options: LogsOptions) {
    return oneByOne(await this.logs(id, options));
  }
  private end(): void {
    this.ended = true;
    this.wake?.();
  }
}

/** The flush interval, ticked by hand: `ticks` counts how often it went off. */
class ManualTimer {
  ticks = 0;
  intervals: number[] = [];
  private tick: (() => void) | null = null;
  readonly every: FlushTimer = (ms, tick) => {
    this.intervals.push(ms);
    this.tick = tick;
    return () => (this.tick = null);
  };
  fire(): void {
    this.ticks++;
    this.tick?.();
  }
}

/** Lets queued callbacks (promise reactions, immediates) run, a few turns' worth. */
async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

const target = { id: 'c1', name: 'web', workload_id: null, tty: false };

function tail(
  docker: FakeLogs,
  sink: MemorySink,
  cursors: StreamCursors = {},
  engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 }),
) {
  return new Tail(
    { docker, sink, rules, engine, log: pino({ level: 'silent' }) },
    target,
    cursors,
    { start: { sinceNanos: 0n }, minBackoffMs: 1, maxBackoffMs: 2 },
  );
}

function liveTail(
  docker: LivePipe,
  sink: BatchSinkLike,
  timer: ManualTimer,
  options: Partial<TailOptions> = {},
) {
  return new Tail(
    {
      docker,
      sink,
      rules,
      engine: new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 }),
      log: pino({ level: 'silent' }),
      flushTimer: timer.every,
    },
    target,
    {},
    { start: { sinceNanos: 0n }, flushIntervalMs: 1000, flushLines: 500, ...options },
  );
}

type BatchSinkLike = { commit(batch: TailBatch): Promise<void> };

describe('Tail group commit', () => {
  it('commits a hit without waiting for the flush interval; cursor-only progress waits for it', async () => {
    const docker = new LivePipe();
    const sink = new MemorySink();
    const timer = new ManualTimer();
    const t = liveTail(docker, sink, timer);
    t.start();
    expect(timer.intervals).toEqual([1000]);

    docker.push(line('stdout', 1n, 'quiet'), line('stdout', 2n, 'quiet'));
    await settle();
    expect(t.state.lines).toBe(2);
    expect(sink.batches).toHaveLength(0);

    docker.push(line('stdout', 3n, 'HIT 1'), line('stdout', 4n, 'quiet after'));
    await expect.poll(() => sink.batches.length).toBe(1);
    // The interval never went off: the hit did not wait for it.
    expect(timer.ticks).toBe(0);
    // The lines read in the same turn came along, and the cursor covers them all.
    expect(sink.batches[0]!.events.map((e) => e.message)).toEqual(['HIT 1']);
    expect(sink.cursors).toEqual({ stdout: { tsNanos: 4n, seenAtTs: 1 } });

    docker.push(line('stdout', 5n, 'quiet'));
    await settle();
    expect(t.state.lines).toBe(5);
    expect(sink.batches).toHaveLength(1);
    timer.fire();
    await expect.poll(() => sink.batches.length).toBe(2);
    expect(sink.batches[1]!.events).toEqual([]);
    expect(sink.cursors).toEqual({ stdout: { tsNanos: 5n, seenAtTs: 1 } });
    await t.stop();
  });

  it('puts the hits that arrive while a commit runs into one next transaction', async () => {
    const docker = new LivePipe();
    const timer = new ManualTimer();
    let release: () => void = () => undefined;
    let inFlight = 0;
    let maxInFlight = 0;
    const committed: TailBatch[] = [];
    const sink = {
      async commit(batch: TailBatch) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (committed.length === 0) await new Promise<void>((r) => (release = r));
        committed.push(batch);
        inFlight--;
      },
    };
    const t = liveTail(docker, sink, timer);
    t.start();

    docker.push(line('stdout', 1n, 'HIT 1'));
    await expect.poll(() => inFlight).toBe(1);
    // Three more hits in three turns while the first commit holds.
    for (const n of [2, 3, 4]) {
      docker.push(line('stdout', BigInt(n), `HIT ${n}`));
      await settle();
    }
    expect(committed).toHaveLength(0);
    release();
    await expect.poll(() => committed.length).toBe(2);
    await settle();
    expect(committed.map((b) => b.events.map((e) => e.message))).toEqual([
      ['HIT 1'],
      ['HIT 2', 'HIT 3', 'HIT 4'],
    ]);
    expect(committed[1]!.cursors).toEqual({ stdout: { tsNanos: 4n, seenAtTs: 1 } });
    expect(maxInFlight).toBe(1);
    expect(timer.ticks).toBe(0);
    await t.stop();
    expect(committed).toHaveLength(2);
  });

  it('keeps hit commits apart: a hit soon after a commit waits for the spacing, and stopping stores it', async () => {
    const docker = new LivePipe();
    const sink = new MemorySink();
    const timer = new ManualTimer();
    // A spacing no test run reaches: the second hit can only be stored by the final flush.
    const t = liveTail(docker, sink, timer, { hitCommitSpacingMs: 600_000 });
    t.start();

    docker.push(line('stdout', 1n, 'HIT 1'));
    await expect.poll(() => sink.batches.length).toBe(1);
    docker.push(line('stdout', 2n, 'HIT 2'));
    await settle();
    await new Promise((r) => setTimeout(r, 50));
    expect(t.state.hits).toBe(2);
    expect(sink.batches).toHaveLength(1);

    await t.stop();
    expect(sink.batches.map((b) => b.events.map((e) => e.message))).toEqual([['HIT 1'], ['HIT 2']]);
    expect(sink.cursors).toEqual({ stdout: { tsNanos: 2n, seenAtTs: 1 } });
  });

  it('makes no commit after it stopped, even when the flush interval went off during the final flush', async () => {
    const docker = new LivePipe();
    const timer = new ManualTimer();
    // Every commit waits for the test, then is refused: the batch is handed back each time.
    const gates: (() => void)[] = [];
    const sink = {
      async commit() {
        await new Promise<void>((r) => gates.push(r));
        throw new Error('database is locked');
      },
    };
    const t = liveTail(docker, sink, timer);
    t.start();
    docker.push(line('stdout', 1n, 'HIT 1'));
    await expect.poll(() => gates.length).toBe(1);
    let stopped = false;
    const stopping = t.stop().then(() => (stopped = true));
    while (!stopped) {
      timer.fire();
      gates.shift()?.();
      await settle();
    }
    await stopping;
    await settle(20);
    // A commit started after `done` would race the container's next tail.
    expect(gates).toHaveLength(0);
  });
});

describe('Tail', () => {
  it('commits hits with cursors and, resumed from them, neither loses nor repeats a line', async () => {
    const docker = new FakeLogs();
    // Interleaved streams sharing timestamps.
    docker.log = [
      line('stdout', 10n, 'HIT 1'),
      line('stderr', 10n, 'HIT 2'),
      line('stdout', 10n, 'HIT 3'),
      line('stderr', 20n, 'HIT 4'),
      line('stdout', 20n, 'quiet'),
    ];
    const sink = new MemorySink();
    const first = tail(docker, sink);
    first.finishWhenDrained();
    first.start();
    await first.done;
    expect(sink.messages).toEqual(['HIT 1', 'HIT 2', 'HIT 3', 'HIT 4']);
    expect(sink.cursors).toEqual({
      stdout: { tsNanos: 20n, seenAtTs: 1 },
      stderr: { tsNanos: 20n, seenAtTs: 1 },
    });

    // More lines, some sharing the last timestamp; a new tail resumes from the cursors.
    docker.log.push(line('stderr', 20n, 'HIT 5'), line('stdout', 30n, 'HIT 6'));
    const second = tail(docker, sink, sink.cursors);
    second.finishWhenDrained();
    second.start();
    await second.done;
    // Resumed a little before the cursors (0 here: this test's clock starts at 0).
    expect(docker.calls.at(-1)?.sinceNanos).toBe(0n);
    expect(sink.messages).toEqual(['HIT 1', 'HIT 2', 'HIT 3', 'HIT 4', 'HIT 5', 'HIT 6']);
    // Each hit's place in the log: a tie counts the stream's lines at that timestamp,
    // carried across the resume (HIT 5 is the second stderr line at 20).
    expect(sink.batches.flatMap((b) => b.lines)).toEqual([
      { stream: 'stdout', tsNanos: 10n, tie: 1 },
      { stream: 'stderr', tsNanos: 10n, tie: 1 },
      { stream: 'stdout', tsNanos: 10n, tie: 2 },
      { stream: 'stderr', tsNanos: 20n, tie: 1 },
      { stream: 'stderr', tsNanos: 20n, tie: 2 },
      { stream: 'stdout', tsNanos: 30n, tie: 1 },
    ]);
  });

  it('keeps hits whose commit failed and stores them with the next batch', async () => {
    const docker = new FakeLogs();
    docker.log = [line('stdout', 1n, 'HIT a'), line('stdout', 2n, 'HIT b')];
    const sink = new MemorySink();
    sink.failures = 1;
    const t = tail(docker, sink);
    t.finishWhenDrained();
    t.start();
    await t.done;
    expect(sink.messages).toEqual(['HIT a', 'HIT b']);
    expect(t.state.status).toBe('stopped');
  });

  it('stops reading while the database refuses a batch, retries that same batch, then resumes exactly once', async () => {
    const total = 40;
    let pulled = 0;
    const docker = {
      calls: 0,
      async logs(_id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>> {
        this.calls++;
        const since = options.sinceNanos ?? 0n;
        return (async function* () {
          for (let i = 1; i <= total; i++) {
            if (BigInt(i) < since) continue;
            pulled++;
            yield line('stdout', BigInt(i), `HIT ${i}`);
          }
        })();
      },
      async logBatches(id: string, options: LogsOptions) {
        return oneByOne(await this.logs(id, options));
      },
    };
    const attempts: TailBatch[] = [];
    let refuse = true;
    const stored: TailBatch[] = [];
    const sink = {
      async commit(batch: TailBatch) {
        attempts.push(batch);
        if (refuse) throw new Error('database not writable: disk full');
        stored.push(batch);
      },
    };
    const flushLines = 5;
    const t = new Tail(
      {
        docker,
        sink,
        rules,
        engine: new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 }),
        log: pino({ level: 'silent' }),
      },
      target,
      {},
      {
        start: { sinceNanos: 0n },
        flushLines,
        flushIntervalMs: 60_000,
        commitRetryMs: { min: 1, max: 2 },
      },
    );
    t.finishWhenDrained();
    t.start();
    await expect.poll(() => attempts.length).toBeGreaterThanOrEqual(10);
    // Paused: one batch in memory, nothing more read from Docker however long it takes.
    expect(t.state.status).toBe('paused');
    expect(pulled).toBe(flushLines);
    expect(
      new Set(attempts.map((b) => JSON.stringify(b, (_k, v: unknown) => String(v)))).size,
    ).toBe(1);
    refuse = false;
    await t.done;
    expect(stored.flatMap((b) => b.events.map((e) => e.message))).toEqual(
      Array.from({ length: total }, (_, i) => `HIT ${i + 1}`),
    );
    expect(stored[0]!.events.map((e) => e.message)).toEqual(
      attempts[0]!.events.map((e) => e.message),
    );
    expect(docker.calls).toBe(1);
  });

  it('reconnects when the stream ends while the container runs, without repeating', async () => {
    const docker = new FakeLogs();
    docker.log = [line('stdout', 1n, 'HIT x')];
    const sink = new MemorySink();
    const engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 });
    const t = tail(docker, sink, {}, engine);
    t.start();
    while (docker.calls.length < 3) await new Promise((r) => setTimeout(r, 1));
    await t.stop();
    expect(engine.counters.reconnects).toBeGreaterThanOrEqual(2);
    expect(sink.messages).toEqual(['HIT x']);
  });

  it('gives up on a container whose logs cannot be read (501) and says so', async () => {
    const docker = new FakeLogs();
    docker.failWith = new AppError(ErrorCode.DockerLogsUnavailable, 'logs unavailable');
    const unavailable: string[] = [];
    const t = new Tail(
      {
        docker,
        sink: new MemorySink(),
        rules,
        engine: new ScanEngine({ ratePerSecond: 1, burst: 1 }),
        log: pino({ level: 'silent' }),
      },
      target,
      {},
      { start: { sinceNanos: 0n }, minBackoffMs: 1 },
      (id) => unavailable.push(id),
    );
    t.start();
    await t.done;
    expect(unavailable).toEqual(['c1']);
    expect(docker.calls).toHaveLength(1);
    expect(t.state.status).toBe('unavailable');
  });

  it('tells line listeners each new line with the rules it matched, until they leave', async () => {
    const docker = new FakeLogs();
    docker.log = [
      line('stdout', 1n, 'HIT a'),
      line('stderr', 2n, 'quiet'),
      line('stdout', 3n, 'x'),
    ];
    const t = tail(docker, new MemorySink());
    const heard: [string, readonly string[]][] = [];
    const off = t.onLine((l, names) => {
      heard.push([l.text, names]);
      if (l.text === 'quiet') off();
    });
    t.onLine(() => {
      throw new Error('a broken listener does not stop the tail');
    });
    t.finishWhenDrained();
    t.start();
    await t.done;
    expect(heard).toEqual([
      ['HIT a', ['hit']],
      ['quiet', []],
    ]);
    expect(t.state.lines).toBe(3);
  });

  it('skips a line Docker repeats in one connection and stores each hit once', async () => {
    const docker = new FakeLogs();
    // What Docker 20.10 sent at a rotation: the same line, same timestamp, twice.
    docker.log = [
      line('stdout', 5n, 'HIT 15'),
      line('stdout', 5n, 'HIT 15'),
      line('stdout', 6n, 'HIT 16'),
    ];
    const sink = new MemorySink();
    const engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 });
    const t = tail(docker, sink, {}, engine);
    t.finishWhenDrained();
    t.start();
    await t.done;
    expect(sink.messages).toEqual(['HIT 15', 'HIT 16']);
    expect(t.state).toMatchObject({ lines: 2, repeated_lines: 1, lines_possibly_lost: 0 });
    expect(engine.counters.repeated_lines).toBe(1);
  });

  it('counts lines possibly lost when Docker no longer holds the resume cursor’s line', async () => {
    const docker = new FakeLogs();
    // The cursor is at 100; Docker rotated everything up to 400 away.
    docker.log = [line('stdout', 400n, 'HIT late'), line('stdout', 500n, 'HIT later')];
    const sink = new MemorySink();
    const engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 });
    const t = tail(docker, sink, { stdout: { tsNanos: 100n, seenAtTs: 1 } }, engine);
    t.finishWhenDrained();
    t.start();
    await t.done;
    expect(sink.messages).toEqual(['HIT late', 'HIT later']);
    expect(t.state.lines_possibly_lost).toBe(1);
    expect(engine.counters.lines_possibly_lost).toBe(1);

    // Resumed where Docker still holds the cursor's line: nothing is counted.
    const again = tail(docker, sink, sink.cursors, engine);
    docker.log.push(line('stdout', 600n, 'HIT next'));
    again.finishWhenDrained();
    again.start();
    await again.done;
    expect(again.state.lines_possibly_lost).toBe(0);
    expect(sink.messages.at(-1)).toBe('HIT next');
  });

  it('reads again the lines Docker’s follower skipped when it jumped over a rotated file', async () => {
    const docker = new FakeLogs();
    const s = 1_000_000_000n;
    docker.log = [1n, 2n, 3n, 4n].map((n) => line('stdout', n * s, `HIT ${n}`));
    docker.followerSkips = new Set([2n * s, 3n * s]);
    const sink = new MemorySink();
    const engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 });
    const t = tail(docker, sink, {}, engine);
    t.finishWhenDrained();
    t.start();
    await t.done;
    expect(sink.messages).toEqual(['HIT 1', 'HIT 2', 'HIT 3', 'HIT 4']);
    expect(t.state).toMatchObject({ lines: 4, lines_recovered: 2, lines_possibly_lost: 0 });
    expect(docker.calls.find((c) => !c.follow)?.untilNanos).toBe(4n * s - 1n);
  });

  it('counts lines possibly lost when the follower skipped files Docker no longer holds', async () => {
    const docker = new FakeLogs();
    // A line every 100 ms; the follower jumps from 2 to 6 (400 ms), and by the time of
    // the check Docker has rotated everything before 6 away.
    const at = (n: bigint) => 1_000_000_000n + n * 100_000_000n;
    docker.log = [1n, 2n, 3n, 4n, 5n, 6n].map((n) => line('stdout', at(n), `HIT ${n}`));
    docker.followerSkips = new Set([at(3n), at(4n), at(5n)]);
    const sink = new MemorySink();
    const engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 });
    const t = tail(docker, sink, {}, engine);
    const logs = docker.logs.bind(docker);
    docker.logs = async (id, options) => {
      if (!options.follow) docker.log = docker.log.filter((l) => l.timeNanos! >= at(6n));
      return logs(id, options);
    };
    t.finishWhenDrained();
    t.start();
    await t.done;
    expect(sink.messages).toEqual(['HIT 1', 'HIT 2', 'HIT 6']);
    // At the pace before it, the 400 ms jump held about 3 lines.
    expect(t.state).toMatchObject({ lines: 3, lines_recovered: 0, lines_possibly_lost: 3 });
  });
});

describe('Tail with count conditions', () => {
  it('counts every match before any cooldown and commits the fire soon', async () => {
    const countRule = {
      id: 9,
      name: 'burst',
      severity: 'error' as const,
      stream: 'both' as const,
      cooldown_seconds: 60,
      workload_id: null,
      condition: {
        type: 'count' as const,
        threshold: 3,
        window_seconds: 10,
        group_by: 'container' as const,
      },
    };
    const counting = {
      current(): RuleSnapshot {
        const matcher: RuleMatcher = {
          size: 1,
          match: (bytes: Buffer) =>
            bytes.includes('BURST') ? [{ rule: countRule, captures: {} }] : [],
        };
        return { version: 1, ruleCount: 1, compileErrors: [], matcherFor: () => matcher };
      },
    };
    const engine = new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 });
    const tracker = new ConditionTracker(engine.counters);
    const recorded: string[] = [];
    const sink = {
      async commit(batch: TailBatch) {
        const taken = tracker.take();
        recorded.push(...batch.events.concat(taken.events).map((e) => e.message));
      },
    };
    const docker = new LivePipe();
    const t = new Tail(
      {
        docker,
        sink,
        rules: counting,
        engine,
        conditions: tracker,
        log: pino({ level: 'silent' }),
      },
      target,
      {},
      { start: { sinceNanos: 0n }, flushTimer: new ManualTimer().every } as never,
    );
    t.start();
    docker.push(line('stdout', 1n, 'BURST 1'), line('stdout', 2n, 'BURST 2'));
    await settle();
    expect(recorded).toEqual([]);
    // The rule's cooldown of 60 s would have dropped the second match of a line rule.
    docker.push(line('stdout', 3n, 'BURST 3'));
    await expect.poll(() => recorded).toEqual(['BURST 3']);
    expect(t.state.hits).toBe(1);
    expect(engine.counters.cooldown_drops).toBe(0);
    await t.stop();
  });
});
