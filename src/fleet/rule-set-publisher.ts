import type { Logger } from 'pino';
import type { Workload } from '../inventory/model.js';
import type { Rule } from '../rules/model.js';
import { encodeRuleSet, ruleSetRevision } from './rule-set.js';

/** Key `current` of the rules bucket, as the publisher uses it. */
export interface RuleSetBucket {
  /** What the key holds and its KV revision; null when it holds nothing. */
  read(): Promise<{ value: Uint8Array; kvRevision: number } | null>;
  /**
   * Writes only if the key is still at `kvRevision` (0: still absent); false when
   * someone wrote it in between.
   */
  write(value: Uint8Array, kvRevision: number): Promise<boolean>;
}

/** The rule set as committed, read in one transaction (revision, rules, workloads). */
export interface RuleSetSource {
  current(): Promise<{ revision: number; rules: Rule[]; workloads: Workload[] }>;
}

/** What tells the publisher to publish again (the rules service, the NATS link). */
export interface RuleChanges {
  onChange(listener: () => void): () => void;
}

export type PublishOutcome =
  | { status: 'published'; revision: number }
  /** The bucket already holds this revision or a newer one (another replica's). */
  | { status: 'up_to_date'; revision: number; held: number };

export interface RuleSetPublisherOptions {
  log?: Logger;
  now?: () => number;
}

/** Writes lost to another replica in a row before giving up until the next trigger. */
const MAX_RACES = 10;

/**
 * Publishes the committed rule set to the rules bucket, at start, after every rule
 * change and after a reconnect. Compare-and-set on the key's KV revision, retried only
 * while the database's revision is newer than the bucket's: an older replica (one that
 * read before another's commit) never overwrites a newer set. Publishes asked for while
 * one runs fold into one more, which reads the database afresh.
 */
export class RuleSetPublisher {
  private running: Promise<PublishOutcome> | null = null;
  private queued: Promise<PublishOutcome> | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private failures = 0;
  /** Triggered publishes, in order: each outcome logged before the next starts. */
  private quiet: Promise<void> = Promise.resolve();
  private waiting = false;

  constructor(
    private readonly bucket: RuleSetBucket,
    private readonly source: RuleSetSource,
    private readonly options: RuleSetPublisherOptions = {},
  ) {}

  /** Publishes now and whenever one of `triggers` fires; failures are logged and counted. */
  start(triggers: readonly RuleChanges[]): void {
    for (const trigger of triggers)
      this.unsubscribe.push(trigger.onChange(() => this.publishQuietly()));
    this.publishQuietly();
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.settled();
  }

  /** Resolves once no publish runs or waits (each failure already logged and counted). */
  async settled(): Promise<void> {
    while (this.running || this.queued) await Promise.allSettled([this.running, this.queued]);
    await this.quiet;
  }

  /** Publishes that failed (NATS unreachable, a race lost too often). */
  get failed(): number {
    return this.failures;
  }

  publish(): Promise<PublishOutcome> {
    if (!this.running) {
      this.running = this.publishOnce().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.publish();
      });
    return this.queued;
  }

  private publishQuietly(): void {
    // A burst of changes needs one more publish after the running one, not one each.
    if (this.waiting) return;
    this.waiting = true;
    this.quiet = this.quiet.then(() => {
      this.waiting = false;
      return this.attempt();
    });
  }

  private async attempt(): Promise<void> {
    try {
      const outcome = await this.publish();
      this.options.log?.debug(outcome, 'rule set publish');
    } catch (err) {
      this.failures++;
      this.options.log?.warn({ err }, 'could not publish the rule set; next change or reconnect');
    }
  }

  private async publishOnce(): Promise<PublishOutcome> {
    const set = await this.source.current();
    const now = this.options.now ?? Date.now;
    for (let race = 0; race < MAX_RACES; race++) {
      const held = await this.bucket.read();
      // A value that does not parse is no newer set: replace it.
      const heldRevision = held ? (ruleSetRevision(held.value) ?? -1) : -1;
      if (heldRevision >= set.revision)
        return { status: 'up_to_date', revision: set.revision, held: heldRevision };
      const value = encodeRuleSet({ ...set, published_at: now() });
      if (await this.bucket.write(value, held?.kvRevision ?? 0))
        return { status: 'published', revision: set.revision };
    }
    throw new Error(`lost the rules bucket to other writers ${MAX_RACES} times in a row`);
  }
}
