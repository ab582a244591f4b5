import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import type { Database } from '../store/index.js';
import type { Incident } from './model.js';
import type { IncidentRepository } from './repository.js';

/**
 * A write that joins each sweep's transaction: the incidents it just resolved, and
 * those still open (for reminders), at `now`.
 */
export type SweepHook = (
  tx: Kysely<Database>,
  swept: { resolved: readonly SweptIncident[]; open: readonly SweptIncident[] },
  now: number,
) => Promise<(() => void) | void>;

/** An incident as the sweep hands it over: `silenced` when a silence matched its latest event. */
export interface SweptIncident extends Incident {
  silenced: boolean;
}

/**
 * When the fault of an incident was last seen outside the event log, or null: a
 * container in a restart loop records no event per restart (the loop is one event),
 * but its last exit says it is still failing. The inventory answers for `crash:` keys.
 */
export type LastFault = (incident: Incident) => Promise<number | null>;

const BATCH = 500;
/** Reminders look at this many open incidents per sweep, oldest first. */
const OPEN_LIMIT = 1000;

export interface SweepReport {
  resolved: number;
}

/**
 * Resolves the incidents that stayed quiet for their resolve_after, and lets the
 * dispatcher stage what that means (resolved notices, reminders), all in the sweep's
 * transaction: a resolved incident is never left without its notices across a crash,
 * and a notice is never staged for an incident that did not resolve.
 */
export class IncidentSweep {
  private readonly hooks = new Set<SweepHook>();
  private readonly task: PeriodicTask<SweepReport>;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      repo: IncidentRepository;
      log: Logger;
      intervalMs: number;
      /** Postpones the resolution of a fault still seen (a restart loop still going). */
      lastFault?: LastFault;
      now?: () => number;
    },
  ) {
    this.task = new PeriodicTask((signal) => this.sweep(signal), {
      name: 'incident sweep',
      intervalMs: deps.intervalMs,
      log: deps.log,
    });
  }

  withinSweep(hook: SweepHook): () => void {
    this.hooks.add(hook);
    return () => {
      this.hooks.delete(hook);
    };
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One sweep now (or the one under way). */
  run(): Promise<SweepReport> {
    return this.task.run();
  }

  private async sweep(signal: AbortSignal): Promise<SweepReport> {
    const now = (this.deps.now ?? Date.now)();
    let resolved = 0;
    let first = true;
    for (;;) {
      if (signal.aborted) break;
      const due = await this.stillQuiet(await this.deps.repo.quietBy(now, BATCH), now);
      if (due.length === 0 && !first) break;
      first = false;
      const after: (() => void)[] = [];
      await this.deps.db.transaction().execute(async (tx) => {
        const done: Incident[] = [];
        // In id order, the order an append locks the open incidents it reads: no deadlock.
        for (const incident of [...due].sort((a, b) => a.id - b.id)) {
          const r = await this.deps.repo.resolve(
            incident.id,
            { at: now, reason: 'quiet', by_event_id: null, quietBy: now },
            tx,
          );
          if (r) done.push(r);
        }
        resolved += done.length;
        const open = this.hooks.size > 0 ? await this.deps.repo.open(OPEN_LIMIT, tx) : [];
        const silenced = await this.deps.repo.silencedLast([...done, ...open], tx);
        const mark = (i: Incident): SweptIncident => ({ ...i, silenced: silenced.has(i.id) });
        for (const hook of this.hooks) {
          const then = await hook(tx, { resolved: done.map(mark), open: open.map(mark) }, now);
          if (then) after.push(then);
        }
      });
      for (const then of after) then();
      if (due.length < BATCH) break;
      // Postponed ones are no longer due: the next query does not see them again.
    }
    if (resolved > 0) this.deps.log.debug({ resolved }, 'quiet incidents resolved');
    return { resolved };
  }

  /**
   * Those whose fault was not seen elsewhere within their quiet period; the others are
   * postponed to resolve_after past that sighting.
   */
  private async stillQuiet(due: Incident[], now: number): Promise<Incident[]> {
    const lastFault = this.deps.lastFault;
    if (!lastFault) return due;
    const out: Incident[] = [];
    for (const incident of due) {
      let seen: number | null = null;
      try {
        seen = await lastFault(incident);
      } catch (err) {
        this.deps.log.warn(
          { err, incident_id: incident.id },
          'could not tell whether a fault goes on',
        );
      }
      const quietAt = seen === null ? null : seen + incident.resolve_after_seconds * 1000;
      if (quietAt !== null && quietAt > now) await this.deps.repo.postpone(incident.id, quietAt);
      else out.push(incident);
    }
    return out;
  }
}
