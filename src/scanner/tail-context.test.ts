import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logLine, type LogLine, type LogsOptions } from '../docker/index.js';
import type { EventContext } from '../events/index.js';
import { MAX_CONTEXT_AFTER_TOTAL, MAX_CONTEXT_LINE_BYTES } from '../events/index.js';
import type {
  CompiledRule,
  RuleContext,
  RuleMatch,
  RuleMatcher,
  RuleSnapshot,
} from '../rules/index.js';
import { contextNeeds } from '../rules/snapshot.js';
import { CONTEXT_COLLECT_MS, CONTEXT_IDLE_MS, MAX_OPEN_COLLECTIONS } from './hit-context.js';
import { ScanEngine } from './scan-engine.js';
import { Tail, type FlushTimer, type TailBatch } from './tail.js';

let ts = 0n;
function line(text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine {
  ts++;
  return logLine({ stream, timestamp: String(ts), timeNanos: ts, text });
}

/** Lines containing "HIT" match the rule, which keeps `context` around its hits. */
function rulesWith(context: RuleContext | undefined, stream: 'both' | 'stdout' = 'both') {
  const rule: CompiledRule = {
    id: 1,
    name: 'hit',
    severity: 'error',
    stream,
    cooldown_seconds: 0,
    workload_id: null,
    ...(context ? { context } : {}),
  };
  const matcher: RuleMatcher = {
    size: 1,
    context: contextNeeds([rule]),
    match: (bytes: Buffer): RuleMatch[] => (bytes.includes('HIT') ? [{ rule, captures: {} }] : []),
  };
  const snapshot: RuleSnapshot = {
    version: 1,
    ruleCount: 1,
    compileErrors: [],
    matcherFor: () => matcher,
  };
  return { current: () => snapshot };
}

/** Stores events under ids from 1, and applies the contexts written later onto them. */
class IdSink {
  events: { id: number; message: string; context: EventContext | null; pending: boolean }[] = [];
  batches: TailBatch[] = [];
  async commit(batch: TailBatch): Promise<number[]> {
    this.batches.push(batch);
    const ids: number[] = [];
    for (const e of batch.events) {
      const id = this.events.length + 1;
      this.events.push({
        id,
        message: e.message,
        context: e.context ? structuredClone(e.context) : null,
        pending: e.context_pending === true,
      });
      ids.push(id);
    }
    for (const update of batch.contexts ?? []) {
      const stored = this.events.find((e) => e.id === update.event_id)!;
      stored.context = structuredClone(update.context);
      stored.pending = false;
    }
    return ids;
  }
}

/** A follow that stays open: lines come when pushed, each push one chunk. */
class LivePipe {
  private queue: LogLine[][] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  push(...lines: LogLine[]): void {
    this.queue.push(lines);
    this.wake?.();
  }
  async logBatches(_id: string, options: LogsOptions): Promise<AsyncIterable<LogLine[]>> {
    options.signal?.addEventListener('abort', () => {
      this.ended = true;
      this.wake?.();
    });
    const next = async (): Promise<IteratorResult<LogLine[]>> => {
      while (this.queue.length === 0 && !this.ended)
        await new Promise<void>((r) => (this.wake = r));
      const value = this.queue.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    };
    return { [Symbol.asyncIterator]: () => ({ next }) };
  }
}

class ManualTimer {
  private tick: (() => void) | null = null;
  readonly every: FlushTimer = (_ms, tick) => {
    this.tick = tick;
    return () => (this.tick = null);
  };
  fire(): void {
    this.tick?.();
  }
}

async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

function setup(context: RuleContext | undefined) {
  const docker = new LivePipe();
  const sink = new IdSink();
  const timer = new ManualTimer();
  const clock = { now: 1_000_000 };
  const t = new Tail(
    {
      docker,
      sink,
      rules: rulesWith(context),
      engine: new ScanEngine({ ratePerSecond: 1e6, burst: 1e6 }),
      log: pino({ level: 'silent' }),
      flushTimer: timer.every,
      now: () => clock.now,
    },
    { id: 'c1', name: 'web', workload_id: null, tty: false },
    {},
    { start: { sinceNanos: 0n }, flushIntervalMs: 1000, flushLines: 500 },
  );
  t.start();
  return { docker, sink, timer, clock, t };
}

const FRAMES = ['\tat com.x.A.run(A.java:1)', '\tat com.x.B.run(B.java:2)'];

describe('the lines around a hit, in a tail', () => {
  it('keeps the lines before, the rest of the stack trace and the lines after; the record’s own match is no second hit', async () => {
    const { docker, sink, t } = setup({ before: 2, after: 2, multiline: true });
    docker.push(line('one'), line('two'), line('three'));
    docker.push(
      line('HIT Exception: boom'),
      ...FRAMES.map((f) => line(f)),
      line('Caused by: HIT IOException'),
      line('\t... 3 more'),
      line('next one'),
      line('next two'),
    );
    await expect.poll(() => sink.events[0]?.pending).toBe(false);
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]).toMatchObject({
      message: 'HIT Exception: boom',
      context: {
        before: ['two', 'three'],
        // `after: 2` was reached inside the record: the record still goes on, whole.
        after: [...FRAMES, 'Caused by: HIT IOException', '\t... 3 more'],
      },
    });
    await t.stop();
  });

  it('takes the next `after` lines of both streams; beyond them only the hit stream’s record', async () => {
    const { docker, sink, t } = setup({ before: 0, after: 2, multiline: true });
    docker.push(
      line('HIT boom', 'stderr'),
      line('stdout chatter'),
      line(FRAMES[0]!, 'stderr'),
      line('more stdout'),
      line(FRAMES[1]!, 'stderr'),
      line('done', 'stderr'),
    );
    await expect.poll(() => sink.events[0]?.pending).toBe(false);
    expect(sink.events[0]!.context).toEqual({
      before: [],
      after: ['stdout chatter', FRAMES[0], FRAMES[1]],
    });
    await t.stop();
  });

  it('without multiline takes exactly `after` lines, and a matching line is a hit of its own', async () => {
    const { docker, sink, t } = setup({ before: 1, after: 1, multiline: false });
    docker.push(line('x'), line('HIT a'), line('\tat HIT frame'), line('y'));
    await expect.poll(() => sink.events.filter((e) => !e.pending).length).toBe(2);
    expect(sink.events.map((e) => [e.message, e.context])).toEqual([
      ['HIT a', { before: ['x'], after: ['\tat HIT frame'] }],
      ['\tat HIT frame', { before: ['HIT a'], after: ['y'] }],
    ]);
    await t.stop();
  });

  it('stores the hit at once with the lines before, and the lines after with a later commit', async () => {
    const { docker, sink, timer, clock, t } = setup({ before: 1, after: 5, multiline: true });
    docker.push(line('ready'), line('HIT boom'));
    await expect.poll(() => sink.events.length).toBe(1);
    expect(sink.events[0]).toMatchObject({
      pending: true,
      context: { before: ['ready'], after: [] },
    });
    docker.push(line(FRAMES[0]!));
    await settle();
    // Fewer lines came than `after` asks for: collecting ends when its time is up.
    clock.now += CONTEXT_COLLECT_MS;
    timer.fire();
    await expect.poll(() => sink.events[0]!.pending).toBe(false);
    expect(sink.events[0]!.context).toEqual({ before: ['ready'], after: [FRAMES[0]] });
    // One commit of the hit, one of its context: the lines after were one UPDATE.
    expect(sink.batches.filter((b) => b.contexts).map((b) => b.contexts!.length)).toEqual([1]);
    await t.stop();
  });

  it('ends a record the container stopped writing once `after` is reached', async () => {
    const { docker, sink, timer, clock, t } = setup({ before: 0, after: 1, multiline: true });
    docker.push(line('HIT boom'), ...FRAMES.map((f) => line(f)));
    await expect.poll(() => sink.events.length).toBe(1);
    timer.fire();
    await settle();
    expect(sink.events[0]!.pending).toBe(true);
    clock.now += CONTEXT_IDLE_MS;
    timer.fire();
    await expect.poll(() => sink.events[0]!.pending).toBe(false);
    expect(sink.events[0]!.context!.after).toEqual(FRAMES);
    await t.stop();
  });

  it('ends every collection with what it has when the tail stops', async () => {
    const { docker, sink, t } = setup({ before: 0, after: 10, multiline: false });
    docker.push(line('HIT boom'), line('a'));
    await expect.poll(() => sink.events.length).toBe(1);
    await settle();
    await t.stop();
    expect(sink.events[0]).toMatchObject({ pending: false, context: { after: ['a'] } });
  });

  it('caps a record of endless indented lines, and each line’s bytes', async () => {
    const { docker, sink, t } = setup({ before: 1, after: 0, multiline: true });
    const long = 'é'.repeat(MAX_CONTEXT_LINE_BYTES);
    docker.push(
      line(long),
      line('HIT'),
      ...Array.from({ length: MAX_CONTEXT_AFTER_TOTAL + 50 }, (_, i) => line(`  ${i}`)),
    );
    await expect.poll(() => sink.events[0]?.pending).toBe(false);
    const context = sink.events[0]!.context!;
    expect(context.after).toHaveLength(MAX_CONTEXT_AFTER_TOTAL);
    expect(Buffer.byteLength(context.before[0]!)).toBeLessThanOrEqual(MAX_CONTEXT_LINE_BYTES);
    expect(context.before[0]!.endsWith('…')).toBe(true);
    await t.stop();
  });

  it('collects for at most MAX_OPEN_COLLECTIONS hits at once; the rest keep the lines before', async () => {
    const { docker, sink, t } = setup({ before: 1, after: 100, multiline: false });
    docker.push(
      line('first'),
      ...Array.from({ length: MAX_OPEN_COLLECTIONS + 2 }, (_, i) => line(`HIT ${i}`)),
    );
    await expect.poll(() => sink.events.length).toBe(MAX_OPEN_COLLECTIONS + 2);
    expect(sink.events.filter((e) => e.pending)).toHaveLength(MAX_OPEN_COLLECTIONS);
    expect(sink.events.at(-1)).toMatchObject({
      pending: false,
      context: { before: [`HIT ${MAX_OPEN_COLLECTIONS}`], after: [] },
    });
    await t.stop();
  });

  it('keeps nothing, and holds no ring, while no rule keeps context', async () => {
    for (const context of [undefined, { before: 0, after: 0, multiline: false }]) {
      const { docker, sink, t } = setup(context);
      docker.push(line('before'), line('HIT'), line('\tat after'));
      await expect.poll(() => sink.events.length).toBe(1);
      await settle();
      expect(sink.events[0]).toMatchObject({ context: null, pending: false });
      expect(Reflect.get(t, 'context')).toBeNull();
      await t.stop();
    }
  });

  it('needs no ring for rules that fire on a count or an absence', () => {
    const base = {
      id: 1,
      name: 'r',
      severity: 'warn',
      stream: 'both',
      cooldown_seconds: 0,
    } as const;
    const context = { before: 5, after: 10, multiline: true };
    expect(
      contextNeeds([
        { ...base, workload_id: null, context, condition: { type: 'absence', window_seconds: 60 } },
      ]),
    ).toBeNull();
    expect(contextNeeds([{ ...base, workload_id: null, context }])).toEqual({ before: 5 });
  });
});
