import type { Logger } from 'pino';
import { isAppError } from '../errors.js';
import { sleep } from '../sleep.js';
import { parseRuleSet, type RuleSetValue } from './rule-set.js';

/** A watch on key `current` of the rules bucket. */
export interface RuleSetFeed {
  /**
   * Calls `onValue` with the value the key holds, then with every new one. Resolves
   * once watching; `ended` settles when the watch stops without being asked to.
   */
  watch(onValue: (data: Uint8Array) => void): Promise<{ stop(): void; ended: Promise<unknown> }>;
}

/** Where the agent keeps the set it runs (its local SQLite). */
export interface RuleSetStore {
  revision(): Promise<number | null>;
  save(set: RuleSetValue): Promise<void>;
}

/** Rebuilds the rule snapshot from the stored set (the agent's RuleSnapshotHolder). */
export interface SnapshotReloader {
  reload(): Promise<unknown>;
}

export interface RuleSetFollowerOptions {
  log?: Logger;
  /** Wait before watching again after a watch could not start or ended; default 2000 ms. */
  retryMs?: number;
}

export interface RuleSetFollowerCounters {
  applied: number;
  /** Values refused whole (not JSON, wrong shape, a pattern RE2 refuses). */
  rejected: number;
  /** Values not newer than the stored set (a replay, an older replica). */
  stale: number;
}

/**
 * The agent's side of the rules bucket: runs the stored set from start (kept across
 * restarts and NATS outages), watches the key, and applies a set only when its revision
 * is higher than the stored one. A set with any problem is refused whole and the last
 * good one stays: half a rule set could silence the rule that mattered.
 */
export class RuleSetFollower {
  private stored: number | null = null;
  private applying: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();
  private watching: Promise<void> | null = null;
  readonly counters: RuleSetFollowerCounters = { applied: 0, rejected: 0, stale: 0 };

  constructor(
    private readonly feed: RuleSetFeed,
    private readonly store: RuleSetStore,
    private readonly snapshots: SnapshotReloader,
    private readonly options: RuleSetFollowerOptions = {},
  ) {}

  /** Loads the stored set into the snapshot, then watches in the background. */
  async start(): Promise<void> {
    this.stored = await this.store.revision();
    await this.snapshots.reload();
    this.watching = this.watchLoop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.watching;
    await this.applying;
  }

  /** The revision of the set the agent runs (the status message's rule_revision). */
  revision(): number | null {
    return this.stored;
  }

  /** Resolves once every value received so far is applied or refused. */
  settled(): Promise<void> {
    return this.applying;
  }

  private async watchLoop(): Promise<void> {
    const log = this.options.log;
    const signal = this.stopping.signal;
    const aborted = new Promise<null>((resolve) =>
      signal.addEventListener('abort', () => resolve(null)),
    );
    while (!signal.aborted) {
      try {
        // Opening waits for a connection, which may never come: stop() must not wait for it.
        const opening = this.feed.watch((data) => this.receive(data));
        const watch = await Promise.race([opening, aborted]);
        if (watch === null) {
          void opening.then((late) => late.stop()).catch(() => undefined);
          return;
        }
        await Promise.race([watch.ended, aborted]);
        if (signal.aborted) watch.stop();
        else log?.warn('the rules watch ended; watching again');
      } catch (err) {
        if (signal.aborted) return;
        log?.warn({ err }, 'cannot watch the rules bucket yet; running the stored set');
      }
      await sleep(this.options.retryMs ?? 2_000, signal);
    }
  }

  private receive(data: Uint8Array): void {
    // One at a time, in order; a failure must not stop the values behind it.
    this.applying = this.applying
      .then(() => this.apply(data))
      .catch((err: unknown) => this.options.log?.error({ err }, 'could not apply the rule set'));
  }

  private async apply(data: Uint8Array): Promise<void> {
    const log = this.options.log;
    let set: RuleSetValue;
    try {
      set = parseRuleSet(data);
    } catch (err) {
      this.counters.rejected++;
      if (!isAppError(err)) throw err;
      log?.error(
        { field: err.field, error: err.message },
        'rule set refused; running the last good one',
      );
      return;
    }
    if (this.stored !== null && set.revision <= this.stored) {
      this.counters.stale++;
      return;
    }
    try {
      await this.store.save(set);
    } catch (err) {
      // Not stored, not counted as applied: the next value or a restart of the watch retries.
      log?.error({ err, revision: set.revision }, 'could not store the rule set');
      return;
    }
    this.stored = set.revision;
    this.counters.applied++;
    log?.info({ revision: set.revision, rules: set.rules.length }, 'rule set applied');
    try {
      await this.snapshots.reload();
    } catch (err) {
      log?.error({ err, revision: set.revision }, 'rule set stored but the snapshot reload failed');
    }
  }
}
