import { describe, expect, it } from 'vitest';
import { ruleRecord } from '../../test/support/fixtures.js';
import { encodeRuleSet, parseRuleSet, type RuleSetValue } from './rule-set.js';
import {
  RuleSetPublisher,
  type RuleChanges,
  type RuleSetBucket,
  type RuleSetSource,
} from './rule-set-publisher.js';

/** Key `current` with compare-and-set on its KV revision, as JetStream does it. */
class FakeBucket implements RuleSetBucket {
  entry: { value: Uint8Array; kvRevision: number } | null = null;
  writes = 0;
  /** Runs between a read and the write that follows it: another replica's write. */
  beforeWrite: (() => void) | null = null;
  down = false;

  async read() {
    if (this.down) throw new Error('no responders');
    return this.entry;
  }

  async write(value: Uint8Array, kvRevision: number) {
    if (this.down) throw new Error('no responders');
    const interloper = this.beforeWrite;
    this.beforeWrite = null;
    interloper?.();
    if ((this.entry?.kvRevision ?? 0) !== kvRevision) return false;
    this.put(value);
    return true;
  }

  put(value: Uint8Array): void {
    this.writes++;
    this.entry = { value, kvRevision: (this.entry?.kvRevision ?? 0) + 1 };
  }

  held(): RuleSetValue | null {
    return this.entry ? parseRuleSet(this.entry.value) : null;
  }
}

function source(revision: number, rules = [ruleRecord(1)]): RuleSetSource & { revision: number } {
  const s = {
    revision,
    current: async () => ({ revision: s.revision, rules, workloads: [] }),
  };
  return s;
}

const setOf = (revision: number) =>
  encodeRuleSet({ revision, published_at: 0, rules: [], workloads: [] });

class Changes implements RuleChanges {
  private listener: (() => void) | null = null;
  onChange(listener: () => void) {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }
  fire() {
    this.listener?.();
  }
}

describe('RuleSetPublisher', () => {
  it('publishes the committed set, and only once per revision', async () => {
    const bucket = new FakeBucket();
    const publisher = new RuleSetPublisher(bucket, source(4), { now: () => 77 });
    expect(await publisher.publish()).toEqual({ status: 'published', revision: 4 });
    expect(bucket.held()).toEqual({
      revision: 4,
      published_at: 77,
      rules: [ruleRecord(1)],
      workloads: [],
    });
    expect(await publisher.publish()).toEqual({ status: 'up_to_date', revision: 4, held: 4 });
    expect(bucket.writes).toBe(1);
  });

  it('never overwrites a newer set, even one written between its read and its write', async () => {
    const bucket = new FakeBucket();
    bucket.put(setOf(5));
    const older = new RuleSetPublisher(bucket, source(4));
    expect(await older.publish()).toEqual({ status: 'up_to_date', revision: 4, held: 5 });
    expect(bucket.held()?.revision).toBe(5);

    const newer = new RuleSetPublisher(bucket, source(7));
    bucket.beforeWrite = () => bucket.put(setOf(8));
    expect(await newer.publish()).toEqual({ status: 'up_to_date', revision: 7, held: 8 });
    expect(bucket.held()?.revision).toBe(8);
  });

  it('tries again after losing to an older writer, and replaces a value that does not parse', async () => {
    const bucket = new FakeBucket();
    bucket.put(new TextEncoder().encode('garbage'));
    const publisher = new RuleSetPublisher(bucket, source(6));
    bucket.beforeWrite = () => bucket.put(setOf(2));
    expect(await publisher.publish()).toEqual({ status: 'published', revision: 6 });
    expect(bucket.held()?.revision).toBe(6);
  });

  it('publishes at start and on every trigger; a failure waits for the next one', async () => {
    const bucket = new FakeBucket();
    const src = source(1);
    const publisher = new RuleSetPublisher(bucket, src);
    const changes = new Changes();
    const reconnects = new Changes();
    publisher.start([changes, reconnects]);
    await publisher.settled();
    expect(bucket.held()?.revision).toBe(1);

    src.revision = 2;
    bucket.down = true;
    changes.fire();
    await publisher.settled();
    expect(publisher.failed).toBe(1);
    expect(bucket.held()?.revision).toBe(1);

    bucket.down = false;
    reconnects.fire();
    await publisher.settled();
    expect(bucket.held()?.revision).toBe(2);

    await publisher.stop();
    src.revision = 3;
    changes.fire();
    await publisher.settled();
    expect(bucket.held()?.revision).toBe(2);
  });
});
