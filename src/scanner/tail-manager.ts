import type { Logger } from 'pino';
import type { ContainerChange, ContainerFilter, ContainerRecord } from '../inventory/index.js';
import type { StreamCursors } from './resume-cursor.js';
import type { ConditionTracker, WatchedContainer } from './conditions.js';
import type { ScanEngine, ScanCounters } from './scan-engine.js';
import { startWithoutCursor, type StartReason, type TailStart } from './start-policy.js';
import type { WatchHistory } from './watermark-repository.js';
import {
  Tail,
  type BatchSink,
  type LineListener,
  type RulesView,
  type TailDocker,
  type TailState,
} from './tail.js';

/** What the manager reads and marks in the containers index. */
export interface TailInventory {
  onChange(listener: (change: ContainerChange) => void): () => void;
  list(filter: ContainerFilter): Promise<ContainerRecord[]>;
  setLogsAvailable(id: string, available: boolean): Promise<void>;
}

export interface CursorSource {
  load(containerId: string): Promise<StreamCursors>;
}

/** When the scanner watched this host before (see start-policy.ts). */
export interface WatchRecord {
  begin(now: number): Promise<WatchHistory>;
  touch(now: number): Promise<void>;
}

export interface TailManagerOptions {
  /** Lines of history for a container first seen already running (0: start at now). */
  initialTailLines: number;
  /** After its container stops, a tail gets this long to drain before it is cut. */
  drainTimeoutMs?: number;
  /** A following tail silent this long is checked against the engine. */
  stallAfterMs?: number;
  stallCheckIntervalMs?: number;
  /** How often the "last watched" mark is stored while the scanner runs. */
  watermarkIntervalMs?: number;
  /** A tail whose cursors could not be loaded is tried again after this long. */
  launchRetryMs?: number;
  tailBackoffMs?: { min: number; max: number };
  flushIntervalMs?: number;
}

export interface ScannerStats {
  counters: ScanCounters;
  active_tails: number;
  tails: TailState[];
}

/** A busy tail silent this long is checked for a stall (json-file rotation can hang it). */
const DEFAULT_STALL_AFTER_MS = 5_000;
const MAX_STALL_PROBE_SILENCE_MS = 60_000;

interface LineTap {
  listener: LineListener;
  /** Removes the listener from the tail it is on now. */
  detach: () => void;
}

/**
 * Keeps one tail per running container, following the index: a tail starts when its
 * container starts and finishes (after reading what is left) when it stops or goes.
 */
export class TailManager {
  private readonly tails = new Map<string, Tail>();
  /** Containers whose tail should start again once the finishing one is done. */
  private readonly restartAfter = new Set<string>();
  private readonly starting = new Set<string>();
  /** When each tailed container started, as the index said when its tail began. */
  private readonly startedAt_ = new Map<string, number | null>();
  /** Line listeners by container; they follow the container to its next tail. */
  private readonly lineTaps = new Map<string, Set<LineTap>>();
  /** Per container: the silence after which its tail is next checked for a stall. */
  private readonly stallProbes = new Map<
    string,
    { lastLineAt: number | null; silenceMs: number }
  >();
  private unsubscribe: (() => void) | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private checkingStalls = false;
  private watermarkFailing = false;
  private watermarkTimer: NodeJS.Timeout | null = null;
  private readonly startedAt: number;
  private history: WatchHistory;
  private stopped = false;

  constructor(
    private readonly deps: {
      docker: TailDocker & StallProbe;
      sink: BatchSink;
      rules: RulesView;
      engine: ScanEngine;
      conditions?: ConditionTracker;
      inventory: TailInventory;
      cursors: CursorSource;
      watermark: WatchRecord;
      log: Logger;
      options: TailManagerOptions;
      now?: () => number;
    },
  ) {
    this.startedAt = this.now();
    this.history = { firstWatchedAt: this.startedAt, lastWatchedAt: null };
  }

  async start(): Promise<void> {
    await this.loadHistory();
    this.unsubscribe = this.deps.inventory.onChange((change) => this.onChange(change));
    for (const container of await this.deps.inventory.list({ state: 'running' })) {
      this.ensure(container);
    }
    const interval = this.deps.options.stallCheckIntervalMs ?? 1_000;
    this.stallTimer = setInterval(() => void this.checkStalls(), interval);
    this.stallTimer.unref();
    this.watermarkTimer = setInterval(
      () => void this.touchWatermark(),
      this.deps.options.watermarkIntervalMs ?? 5_000,
    );
    this.watermarkTimer.unref();
  }

  /** Stores "still watching"; a failure is logged once until a store succeeds again. */
  private async touchWatermark(): Promise<void> {
    try {
      await this.deps.watermark.touch(this.now());
      if (this.watermarkFailing) this.deps.log.info('scanner watermark stored again');
      this.watermarkFailing = false;
    } catch (err) {
      if (!this.watermarkFailing) this.deps.log.warn({ err }, 'cannot store the scanner watermark');
      this.watermarkFailing = true;
    }
  }

  /**
   * Reads (and records) when the scanner watched before. Without it every container
   * is treated as seen for the first time, which the log says.
   */
  private async loadHistory(): Promise<void> {
    try {
      this.history = await this.deps.watermark.begin(this.startedAt);
    } catch (err) {
      this.deps.log.error(
        { err },
        'cannot read the scanner watermark: containers without a cursor start by the first-start policy',
      );
      return;
    }
    const { firstWatchedAt, lastWatchedAt } = this.history;
    if (lastWatchedAt !== null) {
      this.deps.log.info(
        {
          first_watched_at: new Date(firstWatchedAt).toISOString(),
          last_watched_at: new Date(lastWatchedAt).toISOString(),
        },
        'scanner resumes: containers without a cursor that started since it first watched are read from their start',
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.stallTimer) clearInterval(this.stallTimer);
    if (this.watermarkTimer) clearInterval(this.watermarkTimer);
    await Promise.all([...this.tails.values()].map((t) => t.stop()));
  }

  stats(): ScannerStats {
    const tails = [...this.tails.values()].map((t) => ({ ...t.state }));
    return {
      counters: { ...this.deps.engine.counters },
      active_tails: tails.filter((t) => t.status !== 'stopped').length,
      tails,
    };
  }

  /**
   * The containers an absence can be measured on: among `running` (the index's running
   * containers), those whose tail follows now. A tail that is connecting, backing off or
   * finishing (its container stopped) says nothing about silence.
   */
  watched(
    running: ReadonlySet<string>,
    absenceRulesFor: (workloadId: string | null) => WatchedContainer['absenceRules'],
  ): WatchedContainer[] {
    const out: WatchedContainer[] = [];
    for (const [id, tail] of this.tails) {
      if (!running.has(id) || tail.finishing || tail.state.status !== 'following') continue;
      const absenceRules = absenceRulesFor(tail.target.workload_id);
      if (absenceRules.length === 0) continue;
      out.push({
        id,
        name: tail.target.name,
        workload_id: tail.target.workload_id,
        started_at: this.startedAt_.get(id) ?? null,
        watchingSince: tail.createdAt,
        absenceRules,
      });
    }
    return out;
  }

  tailOf(containerId: string): Tail | undefined {
    return this.tails.get(containerId);
  }

  /**
   * Listens to the lines a container's tail reads, across restarts of the tail, until
   * the returned function is called. Null when no tail runs for it now, or it is finishing.
   */
  tapLines(containerId: string, listener: LineListener): (() => void) | null {
    const tail = this.tails.get(containerId);
    // A finishing tail's container has stopped: a follow of Docker's own ends with it.
    if (!tail || tail.finishing) return null;
    let taps = this.lineTaps.get(containerId);
    if (!taps) this.lineTaps.set(containerId, (taps = new Set()));
    const tap: LineTap = { listener, detach: tail.onLine(listener) };
    taps.add(tap);
    return () => {
      tap.detach();
      const current = this.lineTaps.get(containerId);
      current?.delete(tap);
      if (current?.size === 0) this.lineTaps.delete(containerId);
    };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private onChange(change: ContainerChange): void {
    const { container } = change;
    if (container.state === 'running') {
      this.ensure(container);
      return;
    }
    const tail = this.tails.get(container.id);
    if (!tail) return;
    this.restartAfter.delete(container.id);
    tail.finishWhenDrained();
    const timeout = this.deps.options.drainTimeoutMs ?? 30_000;
    setTimeout(() => {
      if (this.tails.get(container.id) === tail) void tail.stop();
    }, timeout).unref();
  }

  private ensure(container: ContainerRecord): void {
    if (this.stopped || !container.logs_available) return;
    const existing = this.tails.get(container.id);
    if (existing) {
      if (existing.finishing) this.restartAfter.add(container.id);
      return;
    }
    if (this.starting.has(container.id)) return;
    this.starting.add(container.id);
    void this.launch(container).finally(() => this.starting.delete(container.id));
  }

  private async launch(container: ContainerRecord): Promise<void> {
    let cursors: StreamCursors;
    try {
      cursors = await this.deps.cursors.load(container.id);
    } catch (err) {
      this.deps.engine.counters.unreadable_containers++;
      const retryMs = this.deps.options.launchRetryMs ?? 5_000;
      this.deps.log.error(
        { err, container: container.id, retry_ms: retryMs },
        'cannot load resume cursors; not reading this container yet',
      );
      setTimeout(() => void this.retryLaunch(container.id), retryMs).unref();
      return;
    }
    if (this.stopped) return;
    const { options } = this.deps;
    const hasCursor = Object.keys(cursors).length > 0;
    let start: TailStart = { sinceNanos: BigInt(this.now()) * 1_000_000n };
    let reason: StartReason | 'cursor' = 'cursor';
    if (!hasCursor) {
      ({ start, reason } = startWithoutCursor(container.started_at, this.history, {
        startedAt: this.startedAt,
        now: this.now(),
        initialTailLines: options.initialTailLines,
      }));
    }
    this.deps.log.debug({ container: container.id, start: reason }, 'tail starts');
    const tail = new Tail(
      {
        docker: this.deps.docker,
        sink: this.deps.sink,
        rules: this.deps.rules,
        engine: this.deps.engine,
        conditions: this.deps.conditions,
        log: this.deps.log,
        now: this.deps.now,
      },
      {
        id: container.id,
        name: container.name,
        workload_id: container.workload_id,
        tty: container.tty,
      },
      cursors,
      {
        start,
        minBackoffMs: options.tailBackoffMs?.min,
        maxBackoffMs: options.tailBackoffMs?.max,
        flushIntervalMs: options.flushIntervalMs,
      },
      (id) => {
        this.deps.engine.counters.unreadable_containers++;
        this.deps.log.warn(
          { container: id },
          'logs unavailable for this container (log driver); not retrying',
        );
        void this.deps.inventory.setLogsAvailable(id, false).catch(() => undefined);
      },
    );
    this.tails.set(container.id, tail);
    this.startedAt_.set(container.id, container.started_at);
    for (const tap of this.lineTaps.get(container.id) ?? []) tap.detach = tail.onLine(tap.listener);
    tail.start();
    void tail.done.then(() => {
      if (this.tails.get(container.id) === tail) this.tails.delete(container.id);
      this.deps.engine.forget(container.id);
      this.deps.conditions?.forgetContainer(container.id);
      this.startedAt_.delete(container.id);
      if (this.restartAfter.delete(container.id)) this.ensure(container);
    });
  }

  /** Launches a tail whose cursors could not be loaded, if its container still runs. */
  private async retryLaunch(containerId: string): Promise<void> {
    if (this.stopped || this.tails.has(containerId)) return;
    try {
      const running = await this.deps.inventory.list({ state: 'running' });
      const container = running.find((c) => c.id === containerId);
      if (container) this.ensure(container);
    } catch (err) {
      this.deps.log.warn(
        { err, container: containerId },
        'cannot retry a tail; the next start event will',
      );
    }
  }

  /**
   * A tail silent while its container runs: if the engine has newer lines, re-attach.
   * Docker's json-file follower can hang when it loses a rotation, so a tail that was
   * busy is checked a few seconds into its silence; each check that finds nothing
   * doubles the silence before the next (up to a minute), so idle containers cost
   * about one probe a minute.
   */
  private async checkStalls(): Promise<void> {
    if (this.checkingStalls) return;
    this.checkingStalls = true;
    try {
      await this.probeSilentTails();
    } finally {
      this.checkingStalls = false;
    }
  }

  private async probeSilentTails(): Promise<void> {
    const stallAfter = this.deps.options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
    const now = this.now();
    for (const [id, tail] of this.tails) {
      const { status, last_line_at } = tail.state;
      const silentSince = tail.silentSince();
      if (status !== 'following' || tail.finishing || silentSince === null) continue;
      // The silence to wait for grows with each check that finds nothing new, and with
      // each re-attach that brought no new line; a new line starts it over.
      let probe = this.stallProbes.get(id);
      if (!probe || probe.lastLineAt !== last_line_at) {
        probe = { lastLineAt: last_line_at, silenceMs: stallAfter };
        this.stallProbes.set(id, probe);
      }
      if (now - silentSince < probe.silenceMs) continue;
      const after = tail.latestCursorNanos();
      if (after === null) continue;
      try {
        const stalled = await this.deps.docker.hasLinesAfter(tail.target.id, after);
        probe.silenceMs = Math.min(probe.silenceMs * 2, MAX_STALL_PROBE_SILENCE_MS);
        if (stalled && tail.silentSince() === silentSince) {
          this.deps.log.warn(
            { container: tail.target.id, silent_ms: now - silentSince },
            'tail stalled; re-attaching',
          );
          this.deps.engine.counters.stalls++;
          tail.reattach();
        }
      } catch {
        // The engine is busy or gone; the next check tries again.
      }
    }
    for (const id of this.stallProbes.keys()) if (!this.tails.has(id)) this.stallProbes.delete(id);
  }
}

/** Asks the engine whether a container logged anything after an instant. */
export interface StallProbe {
  hasLinesAfter(containerId: string, afterNanos: bigint): Promise<boolean>;
}
