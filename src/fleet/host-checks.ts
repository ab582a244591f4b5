import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { NewEvent } from '../events/model.js';
import { PeriodicTask } from '../periodic-task.js';
import type { Database } from '../store/index.js';
import type { Host } from './host-repository.js';

/** What the check needs of the event log: the recording path, with a write alongside. */
export interface HostEventWriter {
  recordBatch(
    events: NewEvent[],
    alongside?: (tx: Transaction<Database>) => Promise<void>,
  ): Promise<unknown>;
}

/** What the check needs of the hosts table. */
export interface CheckedHosts {
  newlySilent(cutoff: number): Promise<Host[]>;
  returned(): Promise<Host[]>;
  markSilent(
    id: string,
    since: number,
    cutoff: number,
    db: Transaction<Database>,
  ): Promise<boolean>;
  markReturned(id: string, silentSince: number, db: Transaction<Database>): Promise<boolean>;
  clashesToSay(now: number, quietMs: number): Promise<Host[]>;
  markClashSaid(
    id: string,
    said: number | null,
    at: number,
    db: Transaction<Database>,
  ): Promise<boolean>;
}

/** A host id two agents use is said at most this often while they both run. */
export const CLASH_QUIET_MS = 10 * 60_000;

export interface HostChecksOptions {
  /** A host not heard from for this long is silent (`fleet.host_silent_after_seconds`). */
  silentAfterMs: number;
  intervalMs?: number;
  now?: () => number;
}

/** Another replica marked (or cleared) it first: its event is the one that stands. */
class AlreadyMarked extends Error {}

/**
 * Says once, as a `system` event, when an agent goes silent and once when it reports
 * again, and (at most every CLASH_QUIET_MS) that two agents report under one host id.
 * The mark on the host row commits with the event, and is set only where it is not set
 * yet: with several replicas checking, one records each event.
 */
export class HostChecks {
  private readonly task: PeriodicTask<void>;
  private readonly now: () => number;

  constructor(
    private readonly hosts: CheckedHosts,
    private readonly events: HostEventWriter,
    log: Logger,
    private readonly options: HostChecksOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.task = new PeriodicTask(() => this.check(), {
      name: 'host checks',
      intervalMs: options.intervalMs ?? 15_000,
      log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One pass: hosts newly silent, hosts back, host ids two agents use. */
  async check(): Promise<void> {
    const now = this.now();
    const cutoff = now - this.options.silentAfterMs;
    for (const host of await this.hosts.newlySilent(cutoff))
      await this.once(
        {
          source: 'system',
          severity: 'warn',
          message: `host ${host.id} silent since ${new Date(host.last_seen_at).toISOString()}`,
          metadata: { host_id: host.id, last_seen_at: host.last_seen_at },
        },
        (tx) => this.hosts.markSilent(host.id, now, cutoff, tx),
      );
    for (const host of await this.hosts.returned())
      await this.once(
        {
          source: 'system',
          severity: 'info',
          message: `host ${host.id} reporting again`,
          metadata: { host_id: host.id, silent_since: host.silent_since },
        },
        (tx) => this.hosts.markReturned(host.id, host.silent_since!, tx),
      );
    for (const host of await this.hosts.clashesToSay(now, CLASH_QUIET_MS))
      await this.once(
        {
          source: 'system',
          severity: 'error',
          message: `host id ${host.id} is used by two agents (boots ${host.previous_boot} and ${host.agent_boot}): their lines and containers mix; give each host its own --host-id`,
          metadata: {
            host_id: host.id,
            boots: [host.previous_boot, host.agent_boot],
            clash_at: host.boot_clash_at,
          },
        },
        (tx) => this.hosts.markClashSaid(host.id, host.boot_clash_said_at, now, tx),
      );
  }

  private async once(
    event: NewEvent,
    mark: (tx: Transaction<Database>) => Promise<boolean>,
  ): Promise<void> {
    try {
      await this.events.recordBatch([event], async (tx) => {
        if (!(await mark(tx))) throw new AlreadyMarked();
      });
    } catch (err) {
      if (!(err instanceof AlreadyMarked)) throw err;
    }
  }
}
