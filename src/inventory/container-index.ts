import type { Logger } from 'pino';
import type {
  ContainerInspect,
  ContainerSummary,
  DockerEvent,
  LogLine,
  LogsOptions,
} from '../docker/index.js';
import { AppError, ErrorCode, isAppError } from '../errors.js';
import type { NewEvent } from '../events/model.js';
import type { ContainerRepository } from './container-repository.js';
import { LifecycleTracker, type LifecycleOptions, type LifecycleOutcome } from './lifecycle.js';
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

/**
 * The containers index: kept in sync with Docker by full passes (boot and periodic
 * safety net) and by Docker's events. Both go through one queue, so a pass never
 * overwrites what a newer event wrote.
 */
export class ContainerIndex {
  private readonly listeners = new Set<(change: ContainerChange) => void>();
  private readonly lifecycle: LifecycleTracker;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      docker: InventoryDocker;
      containers: ContainerRepository;
      workloads: WorkloadRepository;
      events: EventRecorder;
      log: Logger;
      options: ContainerIndexOptions;
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
   * One full pass. Aborts before touching anything when the workloads or the container
   * list cannot be read: an empty view must never mark every row missing.
   */
  syncAll(): Promise<SyncReport> {
    return this.serialized(() => this.runSync());
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
    let resolver: WorkloadResolver;
    try {
      resolver = await WorkloadResolver.load(workloads, options.composeDiscovery, () => this.now());
    } catch (err) {
      throw new AppError(ErrorCode.DatabaseUnavailable, 'resync aborted: workloads unreadable', {
        cause: err,
      });
    }
    const summaries = await docker.listContainers({ all: true });
    const now = this.now();
    const seen = new Set<string>();
    let inspected = 0;
    for (const summary of summaries) {
      const previous = await containers.get(summary.Id);
      const labels = summary.Labels ?? {};
      const { workload_id } = await this.resolve(resolver, summary.Id, labels);
      const unchanged =
        previous !== null &&
        previous.state === normalizeState(summary.State) &&
        previous.health === healthFromStatus(summary.Status) &&
        summary.State !== 'restarting';
      let next: ContainerRecord;
      if (unchanged) {
        next = { ...previous, labels, workload_id, last_seen_at: now };
      } else {
        const inspect = await this.inspect(summary.Id);
        if (!inspect) continue;
        inspected++;
        next = this.fromInspect(inspect, workload_id, previous, now);
      }
      seen.add(next.id);
      await this.store(previous, next, 'resync');
    }
    let missing = 0;
    for (const id of await containers.presentIds()) {
      if (seen.has(id)) continue;
      const previous = await containers.get(id);
      if (!previous) continue;
      missing++;
      const gone: ContainerRecord = { ...previous, state: 'missing' };
      await containers.upsert(gone);
      this.publish({ type: 'gone', container: gone });
      await this.recordOutcome(gone, this.lifecycle.vanished(previous));
    }
    return { seen: seen.size, inspected, missing };
  }

  private async runEvent(event: DockerEvent): Promise<void> {
    if (event.Type !== 'container') return;
    const action = event.Action.split(':')[0]!.trim();
    if (!HANDLED_ACTIONS.has(action)) return;
    const id = event.Actor.ID;
    const previous = await this.deps.containers.get(id);
    const inspect = action === 'destroy' ? null : await this.inspect(id);
    const now = this.now();
    if (!inspect) {
      this.lifecycle.forget(id);
      if (previous && previous.state !== 'missing') {
        await this.store(previous, { ...previous, state: 'missing', last_seen_at: now }, action);
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
    const outcomes = this.lifecycle.observe({
      action: event.Action,
      container: next,
      previous,
      exitCode: exitCode === undefined ? undefined : Number(exitCode),
      oomKilled: action === 'die' ? inspect.State.OOMKilled : undefined,
      now,
    });
    for (const outcome of outcomes) await this.recordOutcome(next, outcome);
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
      const outcomes = this.lifecycle.observe({
        action: 'resync',
        container: next,
        previous,
        now: next.last_seen_at,
      });
      for (const outcome of outcomes) await this.recordOutcome(next, outcome);
    }
    this.publish({ type: changeOf(previous, next), container: next });
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
