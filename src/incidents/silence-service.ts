import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Journal } from '../audit/model.js';
import { journalObject } from '../audit/object-id.js';
import { AppError, ErrorCode } from '../errors.js';
import type { EventRow } from '../events/repository.js';
import type { Database } from '../store/index.js';
import { SilenceSnapshot, type SilenceFacts } from './silence-matcher.js';
import { MAX_OPEN_SILENCES, type Silence } from './silence-model.js';
import { parseSilence, type SilenceInput } from './silence-validation.js';
import type {
  SilenceFilter,
  SilenceList,
  SilencePage,
  SilenceRepository,
} from './silence-repository.js';

/** A workload's display name, for workload globs (null when unknown). */
export interface WorkloadNames {
  workloadName(id: string): Promise<string | null>;
}

/**
 * What happens, in one transaction with marking a silence's end handled, when a silence
 * has ended: the incidents it held back notify now. What it returns runs after commit.
 */
export type SilenceEndHook = (
  silence: Silence,
  tx: Kysely<Database>,
) => Promise<(() => void) | void>;

export interface SilencesServiceDeps {
  repo: SilenceRepository;
  workloads: WorkloadNames;
  journal: Journal;
  log: Logger;
  /** This server's host name, for `hosts` matchers on events that carry none. */
  localHost: string;
  now?: () => number;
}

/**
 * Silences: validation, the in-memory snapshot the event log's marking reads (rebuilt
 * on every change, and on a timer for the changes other replicas make), ending one,
 * and handling the end of those that ended (journal, held-back notifications).
 */
export class SilencesService {
  private snapshot = SilenceSnapshot.empty;
  private reloading: Promise<void> = Promise.resolve();
  private readonly workloadNames = new Map<string, string | null>();
  private readonly endHooks = new Set<SilenceEndHook>();
  private readonly now: () => number;

  constructor(private readonly deps: SilencesServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Rebuilds the snapshot from the silences not yet ended; reloads run one after another. */
  reload(): Promise<void> {
    this.reloading = this.reloading
      .catch(() => undefined)
      .then(async () => {
        const open = await this.deps.repo.listOpen(this.now());
        this.workloadNames.clear();
        this.snapshot = new SilenceSnapshot(open);
      });
    return this.reloading;
  }

  /** How many silences the snapshot holds (active and pending). */
  get size(): number {
    return this.snapshot.size;
  }

  async create(input: SilenceInput, author: string): Promise<Silence> {
    const now = this.now();
    const parsed = parseSilence(input, author, now);
    if ((await this.deps.repo.countOpen(now)) >= MAX_OPEN_SILENCES)
      throw new AppError(
        ErrorCode.Conflict,
        `at most ${MAX_OPEN_SILENCES} silences may be active or pending; end some first`,
      );
    const silence = await this.deps.repo.insert(parsed, now);
    await this.reload();
    return silence;
  }

  async get(id: number): Promise<Silence> {
    const silence = await this.deps.repo.get(id);
    if (!silence) throw AppError.notFound('silence', id);
    return silence;
  }

  list(filter: SilenceFilter, page: SilencePage): Promise<SilenceList> {
    return this.deps.repo.list(filter, page, this.now());
  }

  /** Ends a silence now; one already ended is returned as it is. */
  async end(id: number, by: string): Promise<Silence> {
    const silence = await this.deps.repo.end(id, by, this.now());
    if (!silence) throw AppError.notFound('silence', id);
    await this.reload();
    // Its end is handled (held-back incidents notify) at once, not on the next tick.
    await this.releaseEnded();
    return silence;
  }

  /** Adds what happens when a silence ends; returns the function that removes it. */
  onEnd(hook: SilenceEndHook): () => void {
    this.endHooks.add(hook);
    return () => {
      this.endHooks.delete(hook);
    };
  }

  /** The silence that silences this event now, or null. */
  async match(event: SilenceFacts): Promise<Silence | null> {
    const snapshot = this.snapshot;
    if (snapshot.size === 0) return null;
    const host =
      typeof event.metadata.host === 'string' ? event.metadata.host : this.deps.localHost;
    const workloadName =
      snapshot.readsWorkloadNames && event.workload_id !== null
        ? await this.workloadName(event.workload_id)
        : null;
    return snapshot.match(event, { host, workloadName });
  }

  /**
   * Marks the rows about to be appended with the silence that matches each. A failure
   * to look a name up leaves the event unsilenced: better a notification too many than
   * an event lost.
   */
  readonly mark = async (rows: EventRow[]): Promise<void> => {
    if (this.snapshot.size === 0) return;
    for (const row of rows) {
      try {
        row.silenced_by = (await this.match(row))?.id ?? null;
      } catch (err) {
        this.deps.log.warn({ err }, 'could not match an event against the silences');
      }
    }
  };

  private async workloadName(id: string): Promise<string | null> {
    if (this.workloadNames.has(id)) return this.workloadNames.get(id)!;
    const name = await this.deps.workloads.workloadName(id);
    this.workloadNames.set(id, name);
    return name;
  }

  /**
   * Handles every silence that has ended and was not handled yet: the end hooks run
   * (incidents held back notify) in the transaction that marks it handled, so a crash
   * neither loses nor repeats them; a silence that ran out (not ended by someone) is
   * journaled as expired. Returns how many were handled.
   */
  async releaseEnded(): Promise<number> {
    const now = this.now();
    const ended = await this.deps.repo.unreleased(now);
    let handled = 0;
    for (const silence of ended) {
      const afterCommit: (() => void)[] = [];
      const mine = await this.deps.repo.transaction(async (tx) => {
        if (!(await this.deps.repo.markReleased(silence.id, now, tx))) return false;
        for (const hook of this.endHooks) {
          const then = await hook(silence, tx);
          if (then) afterCommit.push(then);
        }
        return true;
      });
      if (!mine) continue;
      handled++;
      for (const then of afterCommit) then();
      if (silence.ended_by === null)
        this.deps.journal.record({
          source: 'silences',
          actor: 'system',
          action: 'silence.expire',
          object: journalObject.silence(silence.id),
          success: true,
          details: { ends_at: new Date(silence.ends_at).toISOString() },
        });
    }
    if (handled > 0) await this.reload();
    return handled;
  }
}
