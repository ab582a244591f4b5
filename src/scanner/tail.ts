import type { Logger } from 'pino';
import { sinceParam, type LogLine, type LogsOptions, type LogStreamName } from '../docker/index.js';
import { ErrorCode, isAppError } from '../errors.js';
import { sleep } from '../sleep.js';
import type { ContextUpdate, NewEvent } from '../events/index.js';
import type { RuleMatch, RuleSnapshot } from '../rules/index.js';
import {
  StreamPosition,
  nanosBetween,
  resumeSince,
  type ResumeGap,
  type StreamCursors,
} from './resume-cursor.js';
import type { ConditionTracker } from './conditions.js';
import { HitContext, keptText } from './hit-context.js';
import type { Hit, ScanEngine } from './scan-engine.js';
import type { TailStart } from './start-policy.js';

/** What a tail needs from the Engine API client. */
export interface TailDocker {
  /** The lines in batches (DockerClient.logBatches: one per chunk read). */
  logBatches(id: string, options: LogsOptions): Promise<AsyncIterable<readonly LogLine[]>>;
}

/**
 * Where a hit's line sits in Docker's log: its stream, timestamp and its count among
 * that stream's lines sharing the timestamp. Deterministic across re-reads, so an agent
 * can name a hit the same way each time it publishes it.
 */
export interface LinePlace {
  stream: LogStreamName;
  tsNanos: bigint;
  tie: number;
}

/** A batch of a tail's work: stored atomically (events and cursors together). */
export interface TailBatch {
  containerId: string;
  events: NewEvent[];
  /** Each event's line, parallel to `events`. */
  lines: LinePlace[];
  cursors: StreamCursors;
  /** The lines after hits stored before, now complete (absent: none). */
  contexts?: ContextUpdate[];
}

export interface BatchSink {
  /**
   * Stores the batch; returns the ids the events got, in order (without them, hits do
   * not collect the lines after them: there would be no event to write them to).
   */
  commit(batch: TailBatch): Promise<readonly number[] | void>;
}

export interface RulesView {
  current(): RuleSnapshot;
}

/** Hears each new line a tail reads, with the names of the rules it matched. */
export type LineListener = (line: LogLine, rules: readonly string[]) => void;

export interface TailTarget {
  id: string;
  name: string;
  workload_id: string | null;
  tty: boolean;
}

export interface TailOptions {
  /** Where to start when there is no cursor: a `since` in ns, or the last N lines. */
  start: TailStart;
  /** Progress without a hit (cursors only) is stored after this many lines… */
  flushLines?: number;
  /** …or this long, whichever comes first. A hit is committed at once (group commit). */
  flushIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Waits between attempts to store a batch the database refused. */
  commitRetryMs?: { min: number; max: number };
  /** Hit commits at least this far apart (HIT_COMMIT_SPACING_MS). */
  hitCommitSpacingMs?: number;
}

/** `paused`: the database refused the last batch; the tail reads nothing until it is stored. */
export type TailStatus =
  'connecting' | 'following' | 'paused' | 'backoff' | 'unavailable' | 'stopped';

export interface TailState {
  container_id: string;
  container_name: string;
  status: TailStatus;
  lines: number;
  hits: number;
  /** Connections made after the first (errors, stalls, dockerd restarts). */
  reconnects: number;
  /** Estimated lines Docker rotated away before this tail read them. */
  lines_possibly_lost: number;
  /** Lines Docker sent twice in one connection, skipped. */
  repeated_lines: number;
  /** Lines Docker's follower skipped (rotated files), read again by a bounded read. */
  lines_recovered: number;
  /** Stream → `seconds.nanos` of the last line taken, with how many shared it. */
  cursors: Record<string, { ts: string; seen_at_ts: number }>;
  last_line_at: number | null;
  last_error: string | null;
}

/** Runs `tick` every `ms` until the returned function is called; tests tick by hand. */
export type FlushTimer = (ms: number, tick: () => void) => () => void;

const intervalTimer: FlushTimer = (ms, tick) => {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export interface TailDeps {
  docker: TailDocker;
  sink: BatchSink;
  rules: RulesView;
  engine: ScanEngine;
  /** Count and absence conditions; without it every match is a line hit. */
  conditions?: ConditionTracker;
  log: Logger;
  now?: () => number;
  /** What stores cursor-only progress lazily (default: a real interval). */
  flushTimer?: FlushTimer;
}

const STREAMS: LogStreamName[] = ['stdout', 'stderr'];

/** A match whose rule fires on a count or an absence, not on the line itself. */
const isConditional = (m: RuleMatch): boolean =>
  m.rule.condition !== undefined && m.rule.condition.type !== 'line';
const GAP_LOG_INTERVAL_MS = 60_000;
/**
 * A tail's hit commits are at least this far apart: a hit after a quiet spell commits at
 * once, while at high hit rates one commit gathers the hits of a few milliseconds. A
 * commit costs SQLite a transaction and its text index a new segment (~0.3 ms, more
 * than the hits in it), so one per hit would make the hit rate the tail's cost.
 */
const HIT_COMMIT_SPACING_MS = 10;
/**
 * How long the lines after stored hits wait for a commit to ride on. A hit's own commit
 * is immediate; its context is not urgent (its notification is what waits, and a
 * delivery waiting for context is released by this write), and at high rates the next
 * hit's commit carries it: one commit per context would double the commits per hit.
 */
const CONTEXT_COMMIT_DELAY_MS = 20;
/** A jump in time between consecutive lines of a stream worth checking for a skip… */
const SKIP_JUMP_NANOS = 250_000_000;
/** …when the tail reads lines at least this old (it is behind; a live tail is not). */
const SKIP_LAG_NANOS = 1_000_000_000;
/** The check reads at most this long (Docker decodes every file it keeps to find `since`). */
const SKIP_READ_TIMEOUT_MS = 60_000;

/**
 * Follows one container's log from its resume cursors, matches every line, and commits
 * hits with the cursors in one batch, so a crash can neither lose nor repeat a line.
 *
 * Group commit: a batch holding a hit is committed at the end of the event-loop turn
 * that read it (the rest of Docker's chunk comes along), not on the timer, or, when the
 * last commit started under HIT_COMMIT_SPACING_MS ago, once that spacing is up; while that
 * commit runs, whatever arrives waits and then goes in the next transaction together,
 * so each tail has at most one commit in flight. Cursor-only progress stays lazy
 * (`flushLines` / `flushIntervalMs`). The committer is per tail, not shared: on SQLite
 * every transaction already queues on the one connection, so busy tails accumulate
 * while they wait and their commits grow on their own (a shared transaction would save
 * only BEGIN/COMMIT, which cost no fsync in WAL with synchronous=NORMAL); on PostgreSQL
 * the tails' commits run side by side on the pool and the server groups their WAL
 * flushes. And a per-tail batch keeps a refused write, its pause and its retry of the
 * very same batch, to the one tail whose batch it was.
 */
export class Tail {
  private readonly positions: Record<LogStreamName, StreamPosition>;
  private readonly controller = new AbortController();
  private current: { destroy?: () => void } | null = null;
  private pending: NewEvent[] = [];
  private pendingLines: LinePlace[] = [];
  private dirty = false;
  private linesSinceFlush = 0;
  private flushing: Promise<void> = Promise.resolve();
  /** A flush waiting behind the one in flight; every request until it starts joins it. */
  private queued: Promise<void> | null = null;
  /** A hit is waiting for the end of this event-loop turn to be committed. */
  private hitCommit: (() => void) | null = null;
  /** When the last commit started (performance.now()): hit commits keep their spacing. */
  private lastCommitAt = -Infinity;
  /** Stored hits' lines after are ready and wait for a commit (CONTEXT_COMMIT_DELAY_MS). */
  private contextCommit: NodeJS.Timeout | null = null;
  /** The loop ended: the final flush is the last commit this tail makes. */
  private closing = false;
  private stopTimer: (() => void) | null = null;
  private draining = false;
  /** The last batch could not be stored and is being retried: read nothing meanwhile. */
  private commitBlocked = false;
  private loop: Promise<void> | null = null;
  /** Null while nobody listens, so a line costs one comparison more, nothing else. */
  private lineListeners: readonly LineListener[] | null = null;
  /** The lines around hits; null while no rule for this container keeps any. */
  private context: HitContext | null = null;
  private newLinesThisConnection = 0;
  private reattaching = false;
  /** Inside the read loop, waiting for a batch to be stored: not reading Docker. */
  private storing = false;
  private lastHeardAt = 0;
  private lastGapLogAt = -Infinity;
  private gapsUnlogged = 0;
  private linesUnlogged = 0;
  readonly state: TailState;
  /** When this tail was made: an absence is measured from no earlier than this. */
  readonly createdAt: number;

  constructor(
    private readonly deps: TailDeps,
    readonly target: TailTarget,
    cursors: StreamCursors,
    private readonly options: TailOptions,
    /** Told when Docker cannot serve this container's logs (501). */
    private readonly onUnavailable: (id: string) => void = () => undefined,
  ) {
    this.positions = {
      stdout: new StreamPosition(cursors.stdout ?? null),
      stderr: new StreamPosition(cursors.stderr ?? null),
    };
    this.state = {
      container_id: target.id,
      container_name: target.name,
      status: 'connecting',
      lines: 0,
      hits: 0,
      reconnects: 0,
      lines_possibly_lost: 0,
      repeated_lines: 0,
      lines_recovered: 0,
      cursors: {},
      last_line_at: null,
      last_error: null,
    };
    this.refreshCursorState();
    this.createdAt = this.now();
  }

  /** Resolves when the tail has stopped and flushed. */
  get done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  get finishing(): boolean {
    return this.draining || this.controller.signal.aborted;
  }

  start(): void {
    if (this.loop) return;
    this.stopTimer = (this.deps.flushTimer ?? intervalTimer)(
      this.options.flushIntervalMs ?? 1000,
      () => {
        if (this.context?.expire(this.now())) this.dirty = true;
        if (!this.commitBlocked && !this.closing) void this.flush().catch(() => undefined);
      },
    );
    this.loop = this.run().finally(() => {
      this.close();
      this.state.status = this.state.status === 'unavailable' ? 'unavailable' : 'stopped';
    });
  }

  /** The container stopped: read what is left, then end instead of reconnecting. */
  finishWhenDrained(): void {
    this.draining = true;
  }

  /** Drops the connection; the loop reconnects from the cursors (stall recovery). */
  reattach(): void {
    if (!this.current) return;
    this.reattaching = true;
    this.current.destroy?.();
  }

  /**
   * Since when this tail has heard nothing from Docker on its connection (no line, new
   * or already seen); null while it is busy storing a batch or not connected, when
   * silence says nothing about Docker.
   */
  silentSince(): number | null {
    if (!this.current || this.storing) return null;
    return this.lastHeardAt;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.current?.destroy?.();
    await this.done;
  }

  /** Adds a listener for the lines this tail reads; returns the function that removes it. */
  onLine(listener: LineListener): () => void {
    this.lineListeners = [...(this.lineListeners ?? []), listener];
    return () => {
      const rest = (this.lineListeners ?? []).filter((l) => l !== listener);
      this.lineListeners = rest.length > 0 ? rest : null;
    };
  }

  /** The newest cursor of either stream, for the stall watchdog. */
  latestCursorNanos(): bigint | null {
    const times = STREAMS.map((s) => this.positions[s].current?.tsNanos).filter(
      (t): t is bigint => t !== undefined,
    );
    return times.length === 0 ? null : times.reduce((a, b) => (b > a ? b : a));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    const minBackoff = this.options.minBackoffMs ?? 500;
    const maxBackoff = this.options.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    while (!signal.aborted) {
      try {
        await this.follow(signal);
        backoff = minBackoff;
        await this.flush();
        if (this.draining) break;
      } catch (err) {
        await this.flush().catch(() => undefined);
        if (signal.aborted) break;
        // A connection that delivered lines before failing (Docker ends follows that
        // lose their file to rotation) is no reason to wait longer next time.
        if (this.newLinesThisConnection > 0) backoff = minBackoff;
        if (isAppError(err, ErrorCode.DockerLogsUnavailable)) {
          this.state.status = 'unavailable';
          this.state.last_error = err.message;
          this.onUnavailable(this.target.id);
          break;
        }
        if (isAppError(err, ErrorCode.DockerContainerNotFound)) break;
        if (this.reattaching) {
          // Our own stall recovery dropped the connection: reconnect at once.
          this.reattaching = false;
          backoff = 0;
        } else {
          if (isAppError(err, ErrorCode.DockerStreamCorrupt))
            this.deps.engine.counters.corrupt_streams++;
          this.state.last_error = (err as Error).message;
          this.deps.log.warn({ err, container: this.target.id, retry_ms: backoff }, 'tail failed');
          if (this.draining) break;
        }
      }
      if (signal.aborted) break;
      this.deps.engine.counters.reconnects++;
      this.state.reconnects++;
      this.state.status = 'backoff';
      if (backoff > 0) await sleep(backoff, signal);
      backoff = Math.min(Math.max(backoff * 2, minBackoff), maxBackoff);
    }
    // Nothing may commit after the final flush: a commit landing after `done` could race
    // the next tail of this container, which starts from the stored cursors. Hits still
    // collecting end with what they have: their context goes with the final flush.
    this.close();
    if (this.context?.collecting) {
      this.context.endAll();
      this.dirty = true;
    }
    await this.flush().catch((err: unknown) =>
      this.deps.log.error(
        { err, container: this.target.id },
        'final flush failed; lines will be read again',
      ),
    );
  }

  private async follow(signal: AbortSignal): Promise<void> {
    const cursors = this.cursors();
    const start = this.options.start;
    const fallback = 'sinceNanos' in start ? start.sinceNanos : null;
    const since = resumeSince(cursors, fallback);
    const useTail = since === null && 'tailLines' in start;
    for (const stream of STREAMS) this.positions[stream].reconnected();
    this.newLinesThisConnection = 0;
    this.reattaching = false;
    this.state.status = 'connecting';
    const batches = await this.deps.docker.logBatches(this.target.id, {
      follow: true,
      timestamps: true,
      stdout: true,
      stderr: true,
      tty: this.target.tty,
      sinceNanos: since ?? undefined,
      tail: useTail ? start.tailLines : undefined,
      signal,
    });
    this.current = batches as { destroy?: () => void };
    this.state.status = 'following';
    this.lastHeardAt = this.now();
    try {
      for await (const batch of batches) {
        // One clock read per chunk: its lines arrived together.
        let now = this.now();
        this.lastHeardAt = now;
        for (const line of batch) {
          if (this.mayHaveSkipped(line, now)) {
            this.storing = true;
            try {
              await this.readSkipped(line.timeNanos!, signal);
            } finally {
              this.storing = false;
              now = this.now();
              this.lastHeardAt = now;
            }
          }
          this.handle(line, now);
          // While a batch waits for the database, stop here: Docker keeps the lines, and
          // memory holds one batch, however long the database takes. Waiting on our own
          // store is not Docker going quiet: the stall watchdog skips it (`storing`).
          if (this.linesSinceFlush >= (this.options.flushLines ?? 500) || this.commitBlocked) {
            this.storing = true;
            try {
              await this.flush();
            } finally {
              this.storing = false;
              now = this.now();
              this.lastHeardAt = now;
            }
          }
        }
      }
    } finally {
      this.current = null;
    }
  }

  private handle(line: LogLine, now: number): void {
    const position = this.positions[line.stream];
    const verdict = position.judgeAt(line.seconds, line.nanos, line.bytes);
    if (verdict !== 'new') {
      if (verdict === 'repeat') {
        this.deps.engine.counters.repeated_lines++;
        this.state.repeated_lines++;
      }
      return;
    }
    const gap = position.takeGap();
    if (gap) this.noteGap(line.stream, gap);
    this.newLinesThisConnection++;
    const matcher = this.deps.rules.current().matcherFor(this.target.workload_id);
    let matches = matcher.size > 0 ? matcher.match(line.bytes, line.stream) : [];
    // Context costs nothing while no rule for this container keeps any.
    const needs = matcher.context ?? null;
    if (needs !== null && this.context === null) this.context = new HitContext();
    const context = this.context;
    let text: string | null = null;
    if (context !== null) {
      context.keepBefore(needs?.before ?? 0);
      if (context.collecting) {
        text = keptText(line);
        const absorbed = context.feed(line.stream, text, now);
        if (absorbed.length > 0 && matches.length > 0)
          matches = matches.filter((m) => !absorbed.includes(m.rule.id));
        // A hit stored already has its lines after: write them with the next commit.
        if (context.hasReady) this.commitContextSoon();
      }
    }
    let lineMatches = matches;
    const conditions = this.deps.conditions;
    if (matches.length > 0 && conditions && matches.some(isConditional)) {
      // Counted (or noted present) before any cooldown: the cooldown applies to fires.
      lineMatches = matches.filter((m) => !isConditional(m));
      const mark = position.current;
      const seconds = line.seconds;
      const fired = conditions.observe(
        {
          containerId: this.target.id,
          containerName: this.target.name,
          workloadId: this.target.workload_id,
          stream: line.stream,
          text: line.text,
          timestamp: line.timestamp,
          truncated: line.truncated,
          timeMs: seconds === null ? now : seconds * 1000 + Math.floor(line.nanos / 1e6),
          mark: seconds === null || !mark ? null : { tsNanos: mark.tsNanos, seen: mark.seenAtTs },
        },
        matches.filter(isConditional),
      );
      if (fired > 0) {
        this.state.hits += fired;
        this.commitSoon();
      }
    }
    const hits = this.deps.engine.scan(
      this.target.id,
      line.bytes.length,
      line.truncated,
      lineMatches,
      now,
    );
    if (this.lineListeners !== null) this.emitLine(line, matches);
    const place: LinePlace | null =
      hits.length > 0
        ? {
            stream: line.stream,
            tsNanos: position.current?.tsNanos ?? 0n,
            tie: position.current?.seenAtTs ?? 0,
          }
        : null;
    for (const hit of hits) {
      const event = this.toEvent(line, hit);
      const rule = hit.match.rule;
      if (context !== null && rule.context)
        context.start(event, rule.id, rule.context, line.stream, (text ??= keptText(line)), now);
      this.pending.push(event);
      this.pendingLines.push(place!);
    }
    if (context !== null) {
      if (context.keepsBefore) context.remember(text ?? keptText(line));
      else if (needs === null && context.idle) this.context = null;
    }
    if (hits.length > 0) this.commitSoon();
    this.state.lines++;
    this.state.hits += hits.length;
    this.state.last_line_at = now;
    this.dirty = true;
    this.linesSinceFlush++;
  }

  /**
   * Docker 20.10's json-file follower, when it falls more than one file behind, drains
   * the file it has open and then jumps to the newest, skipping the rotated files in
   * between although Docker still holds them. Nothing on the stream says so but a jump
   * in time, so a jump while the tail reads old lines (it is behind) is checked.
   */
  private mayHaveSkipped(line: LogLine, now: number): boolean {
    const seconds = line.seconds;
    if (seconds === null) return false;
    const position = this.positions[line.stream];
    const lastSeconds = position.lastSeconds;
    if (lastSeconds === null) return false;
    if (nanosBetween(seconds, line.nanos, lastSeconds, position.lastNanosPart) < SKIP_JUMP_NANOS)
      return false;
    // Milliseconds against seconds: a Number is exact enough for a threshold of a second.
    return (now - seconds * 1000) * 1e6 - line.nanos >= SKIP_LAG_NANOS;
  }

  /**
   * Reads what Docker holds before `beforeNanos` again (a bounded, non-following read
   * from the cursors): lines the follower skipped are scanned now, in order, before the
   * line that revealed the jump; if Docker no longer holds the cursors' lines either,
   * the gap is counted as possibly lost.
   */
  private async readSkipped(beforeNanos: bigint, signal: AbortSignal): Promise<void> {
    const until = beforeNanos - 1n;
    const cursors = this.cursors();
    const since = resumeSince(cursors, null) ?? 0n;
    for (const stream of STREAMS) this.positions[stream].reconnected();
    const before = this.state.lines;
    // Docker holds a contiguous tail of the log: a line at or before a cursor proves
    // nothing after it is gone. Without one, the next new line of each stream judges
    // the gap (counted as possibly lost).
    let held = false;
    try {
      const batches = await this.deps.docker.logBatches(this.target.id, {
        follow: false,
        timestamps: true,
        stdout: true,
        stderr: true,
        tty: this.target.tty,
        sinceNanos: since,
        untilNanos: until,
        signal: AbortSignal.any([signal, AbortSignal.timeout(SKIP_READ_TIMEOUT_MS)]),
      });
      read: for await (const batch of batches)
        for (const line of batch) {
          if (line.timeNanos !== null && line.timeNanos > until) break read;
          const cursor = cursors[line.stream];
          if (cursor && line.timeNanos !== null && line.timeNanos <= cursor.tsNanos) held = true;
          this.handle(line, this.now());
        }
    } catch (err) {
      if (signal.aborted) throw err;
      held = true; // unknown: say nothing rather than guess
      this.deps.log.warn(
        { err, container: this.target.id },
        'cannot check whether Docker skipped a rotated log file',
      );
    }
    if (held) for (const stream of STREAMS) this.positions[stream].settle();
    const recovered = this.state.lines - before;
    if (recovered > 0) {
      this.deps.engine.counters.lines_recovered += recovered;
      this.state.lines_recovered += recovered;
      this.deps.log.warn(
        { container: this.target.id, lines: recovered },
        'Docker skipped a rotated log file while following; its lines were read again',
      );
    }
  }

  /**
   * Docker rotated the cursor's line away before this connection could read on from it:
   * what was logged in between may be lost. Counted always; logged at most once a
   * minute per tail (fast rotation reveals a gap on every reconnect).
   */
  private noteGap(stream: LogStreamName, gap: ResumeGap): void {
    this.deps.engine.counters.lines_possibly_lost += gap.estimatedLines;
    this.state.lines_possibly_lost += gap.estimatedLines;
    this.gapsUnlogged++;
    this.linesUnlogged += gap.estimatedLines;
    const now = this.now();
    if (now - this.lastGapLogAt < GAP_LOG_INTERVAL_MS) return;
    this.deps.log.warn(
      {
        container: this.target.id,
        stream,
        after: sinceParam(gap.afterNanos),
        before: sinceParam(gap.beforeNanos),
        gaps: this.gapsUnlogged,
        lines_possibly_lost: this.linesUnlogged,
      },
      'Docker no longer holds the lines after the resume cursor (log rotated away): lines possibly lost; see docs/scanner.md on json-file rotation',
    );
    this.lastGapLogAt = now;
    this.gapsUnlogged = 0;
    this.linesUnlogged = 0;
  }

  private emitLine(line: LogLine, matches: RuleMatch[]): void {
    const rules = matches.map((m) => m.rule.name);
    for (const listener of this.lineListeners ?? []) {
      try {
        listener(line, rules);
      } catch (err) {
        this.deps.log.warn({ err, container: this.target.id }, 'line listener failed');
      }
    }
  }

  private toEvent(line: LogLine, hit: Hit): NewEvent {
    const { rule, captures } = hit.match;
    return {
      source: 'logscan',
      severity: rule.severity,
      message: line.text,
      workload_id: this.target.workload_id,
      container_id: this.target.id,
      rule_id: rule.id,
      metadata: {
        workload_id: this.target.workload_id,
        container_id: this.target.id,
        container_name: this.target.name,
        rule_id: rule.id,
        rule_name: rule.name,
        stream: line.stream,
        captures,
        suppressed: hit.suppressed,
        line_ts: line.timestamp,
        ...(line.truncated ? { truncated: true } : {}),
      },
    };
  }

  private cursors(): StreamCursors {
    const out: StreamCursors = {};
    for (const stream of STREAMS) {
      const c = this.positions[stream].current;
      if (c) out[stream] = c;
    }
    return out;
  }

  private refreshCursorState(): void {
    const cursors = this.cursors();
    this.state.cursors = Object.fromEntries(
      Object.entries(cursors).map(([s, c]) => [
        s,
        { ts: sinceParam(c.tsNanos), seen_at_ts: c.seenAtTs },
      ]),
    );
  }

  private close(): void {
    this.closing = true;
    this.stopTimer?.();
    this.stopTimer = null;
    this.hitCommit?.();
    this.hitCommit = null;
    if (this.contextCommit) clearTimeout(this.contextCommit);
    this.contextCommit = null;
  }

  /**
   * A hit was read: commit at the end of this event-loop turn, so the lines Docker sent
   * in the same chunk come along (or when the commit spacing is up), or right after the
   * commit in flight. While a batch is refused, the read loop already waits for it and
   * commits what follows.
   */
  private commitSoon(): void {
    if (this.hitCommit || this.closing) return;
    const commit = () => {
      this.hitCommit = null;
      if (!this.commitBlocked && !this.closing) void this.flush().catch(() => undefined);
    };
    const spacing = this.options.hitCommitSpacingMs ?? HIT_COMMIT_SPACING_MS;
    const wait = this.lastCommitAt + spacing - performance.now();
    if (wait > 0) {
      const timer = setTimeout(commit, wait);
      this.hitCommit = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(commit);
      this.hitCommit = () => clearImmediate(immediate);
    }
  }

  /** Stored hits' lines after: commit shortly, unless a hit's commit takes them first. */
  private commitContextSoon(): void {
    if (this.contextCommit || this.closing) return;
    this.contextCommit = setTimeout(() => {
      this.contextCommit = null;
      if (!this.context?.hasReady || this.commitBlocked || this.closing) return;
      this.dirty = true;
      void this.flush().catch(() => undefined);
    }, CONTEXT_COMMIT_DELAY_MS);
  }

  /**
   * Commits pending hits with the cursors that cover them; serialized. A request made
   * while a commit is in flight queues one flush behind it, which later requests join:
   * it takes everything pending when it starts (group commit).
   */
  private flush(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.flushing.then(async () => {
      this.queued = null;
      if (!this.dirty) return;
      const context = this.context;
      context?.completeUnstored(this.pending);
      const contexts = context?.takeReady() ?? [];
      const batch: TailBatch = {
        containerId: this.target.id,
        events: this.pending,
        lines: this.pendingLines,
        cursors: this.cursors(),
        ...(contexts.length > 0 ? { contexts } : {}),
      };
      this.pending = [];
      this.pendingLines = [];
      this.dirty = false;
      this.linesSinceFlush = 0;
      this.lastCommitAt = performance.now();
      const ids = await this.commitUntilStored(batch);
      if (context !== null && batch.events.length > 0) {
        context.stored(batch.events, ids);
        // Hits that ended collecting while their batch was in flight: written next.
        if (context.hasReady) {
          this.dirty = true;
          this.commitContextSoon();
        }
      }
    });
    this.queued = run;
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Stores the batch, retrying the same batch (same events, same cursors) until the
   * database takes it: the cursor moves only with the events it covers, so a batch is
   * stored exactly once. Gives up only when the tail stops; then nothing of it was
   * stored and the next tail reads its lines again.
   */
  private async commitUntilStored(batch: TailBatch): Promise<readonly number[] | null> {
    const signal = this.controller.signal;
    const min = this.options.commitRetryMs?.min ?? 250;
    const max = this.options.commitRetryMs?.max ?? 5_000;
    let delay = min;
    let pausedFrom: TailStatus | null = null;
    let ids: readonly number[] | null = null;
    for (;;) {
      try {
        ids = (await this.deps.sink.commit(batch)) ?? null;
        break;
      } catch (err) {
        const message = `commit failed: ${(err as Error).message}`;
        this.state.last_error = message;
        if (signal.aborted) throw this.giveBack(batch, err);
        if (!this.commitBlocked)
          this.deps.log.warn(
            { err, container: this.target.id, events: batch.events.length },
            'cannot store a batch; pausing this tail until the database takes it',
          );
        this.commitBlocked = true;
        if (this.state.status !== 'paused') pausedFrom = this.state.status;
        this.state.status = 'paused';
        await sleep(delay, signal);
        if (signal.aborted) throw this.giveBack(batch, err);
        delay = Math.min(delay * 2, max);
      }
    }
    if (this.commitBlocked) {
      this.commitBlocked = false;
      this.deps.log.info({ container: this.target.id }, 'batch stored; tail resumes');
    }
    if (this.state.status === 'paused') this.state.status = pausedFrom ?? 'following';
    this.refreshCursorState();
    return ids;
  }

  /** Stopping: the batch goes back to pending, for the final flush's one last try. */
  private giveBack(batch: TailBatch, err: unknown): unknown {
    this.pending = batch.events.concat(this.pending);
    this.pendingLines = batch.lines.concat(this.pendingLines);
    if (batch.contexts) this.context?.giveBack(batch.contexts);
    this.dirty = true;
    return err;
  }
}
