import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ruleRecord } from '../../test/support/fixtures.js';
import { RuleRepository } from '../rules/repository.js';
import { RuleSnapshotHolder } from '../rules/snapshot.js';
import { migrateToLatest, openStore, type Store } from '../store/index.js';
import { encodeRuleSet, type RuleSetValue } from './rule-set.js';
import { RuleSetFollower, type RuleSetFeed } from './rule-set-follower.js';
import { LocalRuleSetStore } from './rule-set-store.js';

/** A watch the test drives: `send` delivers a value, `end` ends the watch on its own. */
class FakeFeed implements RuleSetFeed {
  watches = 0;
  reachable = true;
  private onValue: ((data: Uint8Array) => void) | null = null;
  private endWatch: (() => void) | null = null;
  private opened: (() => void)[] = [];

  async watch(onValue: (data: Uint8Array) => void) {
    if (!this.reachable) throw new Error('no responders');
    this.watches++;
    this.onValue = onValue;
    const ended = new Promise<void>((resolve) => (this.endWatch = resolve));
    for (const wake of this.opened.splice(0)) wake();
    return { stop: () => this.endWatch?.(), ended };
  }

  /** Resolves once a watch is open (the follower starts it in the background). */
  async open(): Promise<void> {
    if (this.onValue) return;
    await new Promise<void>((resolve) => this.opened.push(resolve));
  }

  send(data: Uint8Array): void {
    this.onValue!(data);
  }

  end(): void {
    this.onValue = null;
    this.endWatch?.();
  }
}

const SHOP = { id: 'shop', name: 'Shop', kind: 'custom' as const, created_at: 1 };

function set(revision: number, pattern = 'ERROR'): RuleSetValue {
  return {
    revision,
    published_at: revision,
    rules: [
      ruleRecord(10, { pattern }),
      ruleRecord(12, { pattern: 'shop only', scope: 'workload', workload_id: 'shop' }),
    ],
    workloads: [SHOP],
  };
}

const matches = (holder: RuleSnapshotHolder, line: string, workload: string | null = null) =>
  holder
    .current()
    .matcherFor(workload)
    .match(Buffer.from(line), 'stdout')
    .map((m) => m.rule.id);

describe('RuleSetFollower', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const followers: RuleSetFollower[] = [];
  afterEach(async () => {
    for (const f of followers.splice(0)) await f.stop();
    for (const s of stores.splice(0)) await s.destroy();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function agentStore(dir?: string): Promise<{ store: Store; dir: string }> {
    const dataDir = dir ?? mkdtempSync(join(tmpdir(), 'lw-agent-'));
    if (!dir) dirs.push(dataDir);
    const store = openStore({ url: null, dataDir });
    await migrateToLatest(store);
    stores.push(store);
    return { store, dir: dataDir };
  }

  function follower(store: Store, feed: RuleSetFeed) {
    const holder = new RuleSnapshotHolder(new RuleRepository(store.db));
    const f = new RuleSetFollower(feed, new LocalRuleSetStore(store.db), holder, { retryMs: 1 });
    followers.push(f);
    return { follower: f, holder };
  }

  it('applies a newer set: rules with their ids, workloads, revision, snapshot', async () => {
    const { store } = await agentStore();
    const feed = new FakeFeed();
    const { follower: f, holder } = follower(store, feed);
    await f.start();
    expect(f.revision()).toBeNull();
    await feed.open();
    feed.send(encodeRuleSet(set(3)));
    await f.settled();
    expect(f.revision()).toBe(3);
    expect((await new RuleRepository(store.db).list()).map((r) => r.id)).toEqual([10, 12]);
    expect(matches(holder, 'an ERROR')).toEqual([10]);
    expect(matches(holder, 'shop only', 'shop')).toEqual([12]);
    expect(await new LocalRuleSetStore(store.db).revision()).toBe(3);
  });

  it('keeps the last good set for an older one, a replay, or a set with any problem', async () => {
    const { store } = await agentStore();
    const feed = new FakeFeed();
    const { follower: f, holder } = follower(store, feed);
    await f.start();
    await feed.open();
    feed.send(encodeRuleSet(set(5)));
    feed.send(encodeRuleSet(set(4, 'older')));
    feed.send(encodeRuleSet(set(5, 'replay')));
    feed.send(encodeRuleSet(set(6, '(?<!lookbehind)x')));
    feed.send(new TextEncoder().encode('{"revision": 7'));
    await f.settled();
    expect(f.counters).toEqual({ applied: 1, stale: 2, rejected: 2 });
    expect(f.revision()).toBe(5);
    expect(matches(holder, 'ERROR')).toEqual([10]);
    expect(matches(holder, 'older')).toEqual([]);

    feed.send(encodeRuleSet(set(6, 'newer')));
    await f.settled();
    expect(matches(holder, 'newer')).toEqual([10]);
  });

  it('runs the stored set after a restart, before the bucket is reachable', async () => {
    const { store, dir } = await agentStore();
    const feed = new FakeFeed();
    const first = follower(store, feed).follower;
    await first.start();
    await feed.open();
    feed.send(encodeRuleSet(set(8, 'stored')));
    await first.settled();
    await first.stop();
    await store.destroy();
    stores.splice(stores.indexOf(store), 1);

    const reopened = await agentStore(dir);
    const unreachable = new FakeFeed();
    unreachable.reachable = false;
    const { follower: second, holder } = follower(reopened.store, unreachable);
    await second.start();
    expect(second.revision()).toBe(8);
    expect(matches(holder, 'stored')).toEqual([10]);
  });

  it('stops while its watch waits for a connection that never comes', async () => {
    const { store } = await agentStore();
    const never: RuleSetFeed = { watch: () => new Promise(() => undefined) };
    const { follower: f } = follower(store, never);
    await f.start();
    await f.stop();
    expect(f.revision()).toBeNull();
  });

  it('watches again when a watch ends by itself or cannot start', async () => {
    const { store } = await agentStore();
    const feed = new FakeFeed();
    feed.reachable = false;
    const { follower: f, holder } = follower(store, feed);
    await f.start();
    feed.reachable = true;
    await feed.open();
    feed.end();
    await feed.open();
    expect(feed.watches).toBe(2);
    feed.send(encodeRuleSet(set(2, 'second watch')));
    await f.settled();
    expect(matches(holder, 'second watch')).toEqual([10]);
  });
});
