import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { NewEvent } from '../events/model.js';
import { PeriodicTask } from '../periodic-task.js';
import type { Database } from '../store/index.js';
import type { Host } from './host-repository.js';

/** What the check needs of the event log: the recording path, with a write alongside. */
export interface SilenceEventWriter {
  recordBatch(
    events: NewEvent[],
    alongside?: (tx: Transaction<Database>) => Promise<void>,
  ): Promise<unknown>;
}

/** What the check needs of the hosts table. */
export interface SilenceHosts {
  newlySilent(cutoff: number): Promise<Host[]>;
  returned(): Promise<Host[]>;
  markSilent(
    id: string,
    since: number,
    cutoff: number,
    db: Transaction<Database>,
  ): Promise<boolean>;
  markReturned(id: string, silentSince: number, db: Transaction<Database>): Promise<boolean>;
}

export interface HostSilenceOptions {
  /** A host not heard from for this long is silent (`fleet.host_silent_after_seconds`). */
  silentAfterMs: number;
  intervalMs?: number;
  now?: () => number;
}

/** Another replica marked (or cleared) it first: its event is the one that stands. */
class AlreadyMarked extends Error {}

/**
 * Says once, as a `system` event, when an agent goes silent and once when it reports
 * again. The mark on the host row commits with the event, and is set only where it is
 * not set yet: with several replicas checking, one records each event.
 */
export class HostSilenceCheck {
  private readonly task: PeriodicTask<void>;
  private readonly now: () => number;

  constructor(
    private readonly hosts: SilenceHosts,
    private readonly events: SilenceEventWriter,
    log: Logger,
    private readonly options: HostSilenceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.task = new PeriodicTask(() => this.check(), {
      name: 'host silence check',
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

  /** One pass: hosts newly silent, then hosts back. */
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
