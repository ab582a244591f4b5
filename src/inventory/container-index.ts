import type { Logger } from 'pino';
import type {
  ContainerInspect,
  ContainerSummary,
  DockerEvent,
  EventsOptions,
  LogLine,
  LogsOptions,
} from '../docker/index.js';
import { AppError, ErrorCode, isAppError } from '../errors.js';
import type { NewEvent } from '../events/model.js';
import type { ContainerRepository } from './container-repository.js';
import { EventVersions } from './event-versions.js';
import {
  LifecycleTracker,
  type ContainerMemory,
  type LifecycleOptions,
  type LifecycleOutcome,
  type Observation,
} from './lifecycle.js';
import {
  COMPOSE_SERVICE_LABEL,
  normalizeState,
  type ContainerChange,
  type ContainerRecord,
} from './model.js';
import type { WorkloadRepository } from './workload-repository.js';
import { WorkloadResolver } from './workloads.js';

/** What the index needs from the Engine API client. */
export interface InventoryDocker {
  listContainers(options: { all?: boolean }): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerInspect>;
  logs(id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>>;
  /** With `until`, Docker's recent history of events (it keeps the last few hundred). */
  events(options: EventsOptions): Promise<AsyncIterable<DockerEvent>>;
}

/** Where the lifecycle memory is kept between restarts of Logwarden. */
export interface LifecycleMemoryStore {
  get(containerId: string): Promise<ContainerMemory | null>;
  put(containerId: string, memory: ContainerMemory): Promise<void>;
  delete(containerId: string): Promise<void>;
}

/** Where lifecycle events go (the event log). */
export interface EventRecorder {
  record(event: NewEvent): Promise<unknown>;
}

export interface ContainerIndexOptions extends LifecycleOptions {
  composeDiscovery: boolean;
}

export interface SyncReport {
  seen: number;
  inspected: number;
  missing: number;
}

/** Container actions that change what the index holds; exec_*, attach, top… do not. */
const HANDLED_ACTIONS = new Set([
  'create',
  'start',
  'restart',
  'die',
  'stop',
  'kill',
  'oom',
  'rename',
  'pause',
  'unpause',
  'health_status',
  'update',
  'destroy',
]);

const CRASH_LOG_LINES = 20;
const CRASH_LOG_LINE_CHARS = 500;

/** Docker's zero time ("0001-01-01T00:00:00Z") means never. */
function dockerTime(text: string | undefined): number | null {
  if (!text || text.startsWith('0001-')) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** A Docker event's time in milliseconds. */
function eventTimeMs(event: DockerEvent): number | undefined {
  if (typeof event.timeNano === 'number') return Math.floor(event.timeNano / 1_000_000);
  return typeof event.time === 'number' ? event.time * 1000 : undefined;
}

function healthFromStatus(status: string): string | null {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return null;
  return m[1] === 'health: starting' ? 'starting' : m[1]!;
}

function changeOf(
  previous: ContainerRecord | null,
  next: ContainerRecord,
): ContainerChange['type'] {
  const was = previous?.state;
  if (next.state === 'missing') return was === 'missing' ? 'updated' : 'gone';
  if (next.state === 'running' && was !== 'running') return 'started';
  if (was === 'running' && next.state !== 'running') return 'stopped';
  return 'updated';
}

/** How far back, before a row was last seen, a pass looks for Docker's report of its removal. */
const REMOVAL_LOOKBACK_MS = 60_000;
/**
 * How far past now the removal history reaches: covers an engine clock a little ahead of
 * ours, and gives the events stream the same time to deliver the removal itself.
 */
const REMOVAL_LOOKAHEAD_MS = 1_000;

/** A row a pass found gone from Docker, before it decides whether to alert. */
interface Vanished {
  row: ContainerRecord;
  version: number;
}

/**
 * The containers index: kept in sync with Docker by Docker's events and by full passes
 * (boot, reconnects and the periodic safety net). Both write through one queue, one
 * container at a time, so a pass never holds events back for long; and a pass never
 * undoes an event: it skips every container an event changed after the pass started
 * (per-container versions), because the event saw Docker later than the pass's list.
 */
export class ContainerIndex {
  private readonly listeners = new Set<(change: ContainerChange) => void>();
  private readonly lifecycle: LifecycleTracker;
  private readonly versions = new EventVersions();
  /** Containers whose lifecycle memory was read back from the store (or found absent). */
  private readonly recalled = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private passes: Promise<unknown> = Promise.resolve();
  private waitingPass: Promise<SyncReport> | null = null;

  constructor(
    private readonly deps: {
      docker: InventoryDocker;
      containers: ContainerRepository;
      workloads: WorkloadRepository;
      events: EventRecorder;
      log: Logger;
      options: ContainerIndexOptions;
      /** Without one, the lifecycle memory lives as long as the process. */
      lifecycleMemory?: LifecycleMemoryStore;
      now?: () => number;
    },
  ) {
    this.lifecycle = new LifecycleTracker(deps.options);
  }

  /** Subscribe to index changes; returns the unsubscribe function. */
  onChange(listener: (change: ContainerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * One full pass (one at a time). Aborts before touching anything when the workloads or
   * the container list cannot be read: an empty view must never mark every row missing.
   */
  syncAll(): Promise<SyncReport> {
    // A pass that has not started yet serves every caller that asks meanwhile: passes
    // slower than the resync interval must not pile up.
    if (this.waitingPass) return this.waitingPass;
    const start = () => {
      this.waitingPass = null;
      return this.runSync();
    };
    const run = this.passes.then(start, start);
    this.waitingPass = run;
    this.passes = run.catch(() => undefined);
    return run;
  }

  /** Applies one Docker event (type container). */
  applyEvent(event: DockerEvent): Promise<void> {
    return this.serialized(() => this.runEvent(event));
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async runSync(): Promise<SyncReport> {
    const { docker, containers, workloads, options } = this.deps;
    const startVersion = this.versions.current();
    let resolver: WorkloadResolver;
    try {
      resolver = await WorkloadResolver.load(workloads, options.composeDiscovery, () => this.now());
    } catch (err) {
      throw new AppError(ErrorCode.DatabaseUnavailable, 'resync aborted: workloads unreadable', {
        cause: err,
      });
    }
    const summaries = await docker.listContainers({ all: true });
    const seen = new Set<string>();
    let inspected = 0;
    for (const summary of summaries) {
      const outcome = await this.serialized(() =>
        this.passContainer(summary, resolver, startVersion),
      );
      if (outcome === 'absent') continue;
      seen.add(summary.Id);
      if (outcome === 'inspected') inspected++;
    }
    const present = await this.serialized(() => containers.presentIds());
    const vanished: Vanished[] = [];
    for (const id of present) {
      if (seen.has(id)) continue;
      const gone = await this.serialized(() => this.passAbsent(id, resolver, startVersion));
      if (gone) vanished.push(gone);
    }
    if (vanished.length > 0) await this.alertVanished(vanished);
    return { seen: seen.size, inspected, missing: vanished.length };
  }

  /** One listed container, unless an event changed it since the pass started. */
  private async passContainer(
    summary: ContainerSummary,
    resolver: WorkloadResolver,
    startVersion: number,
  ): Promise<'skipped' | 'refreshed' | 'inspected' | 'absent'> {
    if (this.versions.changedSince(summary.Id, startVersion)) return 'skipped';
    const previous = await this.deps.containers.get(summary.Id);
    const labels = summary.Labels ?? {};
    const { workload_id } = await this.resolve(resolver, summary.Id, labels);
    const unchanged =
      previous !== null &&
      previous.state !== 'missing' &&
      previous.state === normalizeState(summary.State) &&
      previous.health === healthFromStatus(summary.Status) &&
      summary.State !== 'restarting';
    const now = this.now();
    if (unchanged) {
      await this.store(previous, { ...previous, labels, workload_id, last_seen_at: now }, 'resync');
      return 'refreshed';
    }
    const inspect = await this.inspect(summary.Id);
    // Removed since the list: the absent rows' check decides what that means.
    if (!inspect) return 'absent';
    await this.store(previous, this.fromInspect(inspect, workload_id, previous, now), 'resync');
    return 'inspected';
  }

  /**
   * A row Docker did not list. It may have been created after the list, so inspect
   * before calling it gone; when gone, the row is marked missing now and whether to
   * alert is decided after the pass (see alertVanished).
   */
  private async passAbsent(
    id: string,
    resolver: WorkloadResolver,
    startVersion: number,
  ): Promise<Vanished | null> {
    if (this.versions.changedSince(id, startVersion)) return null;
    const previous = await this.deps.containers.get(id);
    if (!previous || previous.state === 'missing') return null;
    const inspect = await this.inspect(id);
    const now = this.now();
    if (inspect) {
      const labels = inspect.Config.Labels ?? {};
      const { workload_id } = await this.resolve(resolver, id, labels);
      await this.store(previous, this.fromInspect(inspect, workload_id, previous, now), 'resync');
      return null;
    }
    const gone: ContainerRecord = { ...previous, state: 'missing' };
    await this.deps.containers.upsert(gone);
    this.publish({ type: 'gone', container: gone });
    return { row: previous, version: this.versions.current() };
  }

  /**
   * A container removed with Docker saying so (compose recreating a service, `docker
   * rm`) is not news; one that vanished without a word (while Logwarden was down, or
   * its events were lost) is. Docker said so when its event has been applied since,
   * or when its recent history holds the removal (the event may still be on its way).
   */
  private async alertVanished(vanished: Vanished[]): Promise<void> {
    const reported = await this.reportedRemovals(vanished);
    for (const { row, version } of vanished) {
      await this.serialized(async () => {
        const saidSo = reported.has(row.id) || this.versions.changedSince(row.id, version);
        await this.forgetLifecycle(row.id);
        if (saidSo) return;
        await this.recordOutcome(row, this.lifecycle.vanished(row));
      });
    }
  }

  /** Ids of the given containers whose removal is in Docker's recent event history. */
  private async reportedRemovals(vanished: Vanished[]): Promise<Set<string>> {
    const removed = new Set<string>();
    const since = Math.min(...vanished.map((v) => v.row.last_seen_at)) - REMOVAL_LOOKBACK_MS;
    try {
      const history = await this.deps.docker.events({
        sinceNanos: BigInt(Math.max(0, since)) * 1_000_000n,
        until: (this.now() + REMOVAL_LOOKAHEAD_MS) / 1000,
        filters: {
          type: ['container'],
          event: ['destroy'],
          container: vanished.map((v) => v.row.id),
        },
      });
      for await (const event of history) removed.add(event.Actor.ID);
    } catch (err) {
      // Without the history, the events applied meanwhile are the only evidence.
      this.deps.log.warn({ err }, 'docker event history unavailable; judging removals without it');
    }
    return removed;
  }

  private async runEvent(event: DockerEvent): Promise<void> {
    if (event.Type !== 'container') return;
    const action = event.Action.split(':')[0]!.trim();
    if (!HANDLED_ACTIONS.has(action)) return;
    const id = event.Actor.ID;
    this.versions.touch(id);
    const previous = await this.deps.containers.get(id);
    const inspect = action === 'destroy' ? null : await this.inspect(id);
    const now = this.now();
    if (!inspect) {
      await this.forgetLifecycle(id);
      if (!previous) return;
      // Gone before it could be inspected: the event still says what it was called
      // (compose renames a container just before removing it).
      const name = event.Actor.Attributes.name?.replace(/^\//, '') || previous.name;
      if (previous.state !== 'missing' || previous.name !== name) {
        await this.store(
          previous,
          { ...previous, name, state: 'missing', last_seen_at: now },
          action,
        );
      }
      return;
    }
    const resolver = await WorkloadResolver.load(
      this.deps.workloads,
      this.deps.options.composeDiscovery,
      () => now,
    );
    const labels = inspect.Config.Labels ?? {};
    const { workload_id } = await this.resolve(resolver, id, labels);
    const next = this.fromInspect(inspect, workload_id, previous, now);
    await this.store(previous, next, action);
    const exitCode = event.Actor.Attributes.exitCode;
    const outcomes = await this.observe({
      action: event.Action,
      container: next,
      previous,
      exitCode: exitCode === undefined ? undefined : Number(exitCode),
      oomKilled: action === 'die' ? inspect.State.OOMKilled : undefined,
      exitAt: action === 'die' ? eventTimeMs(event) : undefined,
      now,
    });
    for (const outcome of outcomes) await this.recordOutcome(next, outcome);
  }

  /** The tracker's judgement, with its memory read back from and kept in the store. */
  private async observe(observation: Observation): Promise<LifecycleOutcome[]> {
    const id = observation.container.id;
    await this.recallLifecycle(id);
    const before = JSON.stringify(this.lifecycle.recall(id) ?? null);
    const outcomes = this.lifecycle.observe(observation);
    const after = this.lifecycle.recall(id);
    const store = this.deps.lifecycleMemory;
    if (store && JSON.stringify(after ?? null) !== before) {
      try {
        if (after) await store.put(id, after);
        else await store.delete(id);
      } catch (err) {
        this.deps.log.warn({ err, container: id }, 'lifecycle memory not saved');
      }
    }
    return outcomes;
  }

  private async recallLifecycle(id: string): Promise<void> {
    const store = this.deps.lifecycleMemory;
    if (!store || this.recalled.has(id)) return;
    try {
      const memory = await store.get(id);
      if (memory) this.lifecycle.restore(id, memory);
      this.recalled.add(id);
    } catch (err) {
      this.deps.log.warn({ err, container: id }, 'lifecycle memory not read');
    }
  }

  private async forgetLifecycle(id: string): Promise<void> {
    this.lifecycle.forget(id);
    this.recalled.delete(id);
    try {
      await this.deps.lifecycleMemory?.delete(id);
    } catch (err) {
      this.deps.log.warn({ err, container: id }, 'lifecycle memory not deleted');
    }
  }

  private async resolve(resolver: WorkloadResolver, id: string, labels: Record<string, string>) {
    const match = await resolver.resolve(labels);
    if (match.unknown_label) {
      this.deps.log.debug(
        { container: id, workload: match.unknown_label },
        'container labelled with an unregistered workload; label ignored',
      );
    }
    return match;
  }

  private async inspect(id: string): Promise<ContainerInspect | null> {
    try {
      return await this.deps.docker.inspectContainer(id);
    } catch (err) {
      if (isAppError(err, ErrorCode.DockerContainerNotFound)) return null;
      throw err;
    }
  }

  private fromInspect(
    inspect: ContainerInspect,
    workloadId: string | null,
    previous: ContainerRecord | null,
    now: number,
  ): ContainerRecord {
    const labels = inspect.Config.Labels ?? {};
    return {
      id: inspect.Id,
      name: inspect.Name.replace(/^\//, ''),
      image: inspect.Config.Image,
      workload_id: workloadId,
      compose_service: labels[COMPOSE_SERVICE_LABEL] ?? null,
      labels,
      state: normalizeState(inspect.State.Status),
      exit_code: inspect.State.Running ? null : inspect.State.ExitCode,
      health: inspect.State.Health?.Status ?? null,
      restart_count: inspect.RestartCount,
      started_at: dockerTime(inspect.State.StartedAt),
      finished_at: dockerTime(inspect.State.FinishedAt),
      last_seen_at: now,
      logs_available: previous?.logs_available ?? inspect.HostConfig.LogConfig?.Type !== 'none',
      tty: inspect.Config.Tty,
    };
  }

  private async store(previous: ContainerRecord | null, next: ContainerRecord, cause: string) {
    await this.deps.containers.upsert(next);
    if (cause === 'resync' && previous) {
      // A pass may see restarts whose events were missed.
      const outcomes = await this.observe({
        action: 'resync',
        container: next,
        previous,
        now: next.last_seen_at,
      });
      for (const outcome of outcomes) await this.recordOutcome(next, outcome);
    }
    const change: ContainerChange = { type: changeOf(previous, next), container: next };
    if (!previous) change.added = true;
    this.publish(change);
  }

  private publish(change: ContainerChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.deps.log.error({ err, container: change.container.id }, 'index subscriber failed');
      }
    }
  }

  private async recordOutcome(container: ContainerRecord, outcome: LifecycleOutcome) {
    const metadata: Record<string, unknown> = { kind: outcome.kind, ...outcome.metadata };
    if (outcome.kind === 'crash' && container.logs_available) {
      metadata.last_lines = await this.lastLines(container.id);
    }
    try {
      await this.deps.events.record({
        source: 'docker',
        severity: outcome.severity,
        message: outcome.message,
        metadata,
        workload_id: container.workload_id,
        container_id: container.id,
      });
    } catch (err) {
      this.deps.log.error(
        { err, container: container.id, kind: outcome.kind },
        'event not recorded',
      );
    }
  }

  private async lastLines(id: string): Promise<string[] | undefined> {
    try {
      const lines: LogLine[] = [];
      const stream = await this.deps.docker.logs(id, { tail: CRASH_LOG_LINES });
      for await (const line of stream) lines.push(line);
      // stdout and stderr are copied separately; their timestamps give the real order.
      lines.sort((a, b) =>
        a.timeNanos === b.timeNanos ? 0 : (a.timeNanos ?? 0n) < (b.timeNanos ?? 0n) ? -1 : 1,
      );
      return lines.slice(-CRASH_LOG_LINES).map((l) => l.text.slice(0, CRASH_LOG_LINE_CHARS));
    } catch (err) {
      if (isAppError(err, ErrorCode.DockerLogsUnavailable)) {
        await this.deps.containers.setLogsAvailable(id, false);
      }
      return undefined;
    }
  }
}
