import type { Severity } from '../events/model.js';
import type { ContainerRecord } from './model.js';

export type LifecycleKind =
  'crash' | 'oom' | 'restart_loop' | 'unhealthy' | 'recovered' | 'missing';

/** Something that happened to a container that people should hear about. */
export interface LifecycleOutcome {
  kind: LifecycleKind;
  severity: Severity;
  message: string;
  metadata: Record<string, unknown>;
}

export interface LifecycleOptions {
  /** Restarts within the window that make a restart loop. */
  restartLoopCount: number;
  restartLoopWindowMs: number;
  /** A die this soon after a kill (docker stop, docker kill, compose down) is intended. */
  killGraceMs?: number;
}

/** One observation: a Docker event for a container, after the index was updated. */
export interface Observation {
  action: string;
  container: ContainerRecord;
  previous: ContainerRecord | null;
  /** From the die event's attributes; more reliable than a later inspect. */
  exitCode?: number;
  oomKilled?: boolean;
  /**
   * When the container exited (the die event's time, ms): the same exit seen again
   * (Docker replays events after a reconnect or a restart of Logwarden) is judged once.
   */
  exitAt?: number;
  now: number;
}

/** What the tracker remembers of one container; plain data, kept in the database. */
export interface ContainerMemory {
  killAt: number | null;
  /** started_at of the run whose OOM kill was already recorded (null: a run with no start). */
  oomRun?: number | null;
  /** The exit (its time) last judged for a crash, recorded or not. */
  lastExitAt?: number | null;
  restarts: number[];
  inLoop: boolean;
  unhealthy: boolean;
}

const DEFAULT_KILL_GRACE_MS = 60_000;

function label(container: ContainerRecord): string {
  return container.name || container.id.slice(0, 12);
}

/**
 * Turns Docker's event sequence into trouble worth recording, once each: a crash is a
 * non-zero exit nobody asked for; an OOM kill is recorded on its `oom` and not again on
 * the `die` that follows; a restart loop is one event per episode.
 */
export class LifecycleTracker {
  private readonly memory = new Map<string, ContainerMemory>();
  private readonly killGraceMs: number;

  constructor(private readonly options: LifecycleOptions) {
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  observe(o: Observation): LifecycleOutcome[] {
    const mem = this.remember(o.container.id);
    const out: LifecycleOutcome[] = [];
    this.countRestarts(o, mem, out);
    const action = o.action.split(':')[0]!.trim();
    switch (action) {
      case 'kill':
        mem.killAt = o.now;
        break;
      case 'oom':
        this.recordOom(o.container, mem, out);
        break;
      case 'die':
        this.onDie(o, mem, out);
        break;
      case 'start':
        mem.killAt = null;
        break;
      case 'health_status':
        this.onHealth(o, mem, out);
        break;
      case 'destroy':
        this.memory.delete(o.container.id);
        break;
    }
    return out;
  }

  /** A container that disappeared without Docker telling us (seen by a resync). */
  vanished(container: ContainerRecord): LifecycleOutcome {
    this.memory.delete(container.id);
    return {
      kind: 'missing',
      severity: 'warn',
      message: `container ${label(container)} is gone`,
      metadata: { name: container.name, last_state: container.state },
    };
  }

  forget(id: string): void {
    this.memory.delete(id);
  }

  /** The memory of a container as plain data (undefined: nothing remembered). */
  recall(id: string): ContainerMemory | undefined {
    const mem = this.memory.get(id);
    return mem && structuredClone(mem);
  }

  /** Puts back what was remembered before (kept in the database across restarts). */
  restore(id: string, memory: ContainerMemory): void {
    this.memory.set(id, structuredClone(memory));
  }

  private remember(id: string): ContainerMemory {
    let mem = this.memory.get(id);
    if (!mem) {
      mem = { killAt: null, restarts: [], inLoop: false, unhealthy: false };
      this.memory.set(id, mem);
    }
    return mem;
  }

  private countRestarts(o: Observation, mem: ContainerMemory, out: LifecycleOutcome[]): void {
    const windowStart = o.now - this.options.restartLoopWindowMs;
    const before = o.previous?.restart_count ?? o.container.restart_count;
    mem.restarts = mem.restarts.filter((t) => t > windowStart);
    // A whole window without restarts ends the episode.
    if (mem.restarts.length === 0) mem.inLoop = false;
    for (let i = before; i < o.container.restart_count; i++) mem.restarts.push(o.now);
    if (!mem.inLoop && mem.restarts.length >= this.options.restartLoopCount) {
      mem.inLoop = true;
      const windowSeconds = Math.round(this.options.restartLoopWindowMs / 1000);
      out.push({
        kind: 'restart_loop',
        severity: 'error',
        message: `container ${label(o.container)} is in a restart loop: ${mem.restarts.length} restarts in ${windowSeconds} s`,
        metadata: {
          restarts_in_window: mem.restarts.length,
          window_seconds: windowSeconds,
          restart_count: o.container.restart_count,
          exit_code: o.container.exit_code,
        },
      });
    }
  }

  private recordOom(
    container: ContainerRecord,
    mem: ContainerMemory,
    out: LifecycleOutcome[],
    exited: { finished_at?: string } = {},
  ) {
    if (mem.oomRun !== undefined && mem.oomRun === container.started_at) return;
    mem.oomRun = container.started_at;
    out.push({
      kind: 'oom',
      severity: 'critical',
      message: `container ${label(container)} was killed: out of memory`,
      metadata: { name: container.name, image: container.image, ...exited },
    });
  }

  private onDie(o: Observation, mem: ContainerMemory, out: LifecycleOutcome[]): void {
    if (o.exitAt !== undefined) {
      if (mem.lastExitAt === o.exitAt) return;
      mem.lastExitAt = o.exitAt;
    }
    const exitCode = o.exitCode ?? o.container.exit_code ?? 0;
    // When it exited, for "the last lines before the exit" (the UI reads the log up to it).
    const exited = o.exitAt === undefined ? {} : { finished_at: new Date(o.exitAt).toISOString() };
    if (o.oomKilled) this.recordOom(o.container, mem, out, exited);
    const oomThisRun = mem.oomRun !== undefined && mem.oomRun === o.container.started_at;
    const intended = mem.killAt !== null && o.now - mem.killAt <= this.killGraceMs;
    mem.killAt = null;
    if (exitCode === 0 || intended || oomThisRun || mem.inLoop) return;
    out.push({
      kind: 'crash',
      severity: 'error',
      message: `container ${label(o.container)} exited with code ${exitCode}`,
      metadata: {
        name: o.container.name,
        image: o.container.image,
        exit_code: exitCode,
        ...exited,
      },
    });
  }

  private onHealth(o: Observation, mem: ContainerMemory, out: LifecycleOutcome[]): void {
    const status = o.action.split(':')[1]?.trim() ?? o.container.health ?? '';
    if (status === 'unhealthy' && !mem.unhealthy) {
      mem.unhealthy = true;
      out.push({
        kind: 'unhealthy',
        severity: 'warn',
        message: `container ${label(o.container)} is unhealthy`,
        metadata: { name: o.container.name, health: status },
      });
    } else if (status === 'healthy' && mem.unhealthy) {
      mem.unhealthy = false;
      out.push({
        kind: 'recovered',
        severity: 'info',
        message: `container ${label(o.container)} is healthy again`,
        metadata: { name: o.container.name, health: status },
      });
    }
  }
}
