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
  swept: { resolved: readonly Incident[]; open: readonly Incident[] },
  now: number,
) => Promise<(() => void) | void>;

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
      const due = await this.deps.repo.quietBy(now, BATCH);
      if (due.length === 0 && !first) break;
      first = false;
      const after: (() => void)[] = [];
      await this.deps.db.transaction().execute(async (tx) => {
        const done: Incident[] = [];
        for (const incident of due) {
          const r = await this.deps.repo.resolve(
            incident.id,
            { at: now, reason: 'quiet', by_event_id: null, quietBy: now },
            tx,
          );
          if (r) done.push(r);
        }
        resolved += done.length;
        const open = this.hooks.size > 0 ? await this.deps.repo.open(OPEN_LIMIT, tx) : [];
        for (const hook of this.hooks) {
          const then = await hook(tx, { resolved: done, open }, now);
          if (then) after.push(then);
        }
      });
      for (const then of after) then();
      if (due.length < BATCH) break;
    }
    if (resolved > 0) this.deps.log.debug({ resolved }, 'quiet incidents resolved');
    return { resolved };
  }
}
