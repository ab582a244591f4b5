import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { WorkloadRepository } from '../inventory/workload-repository.js';
import { Workloads } from '../inventory/workloads.js';
import { loadConfig } from '../config/index.js';
import { NatsLink } from '../nats/connection.js';
import { RULES_BUCKET, RULES_KEY } from '../nats/subjects.js';
import { RuleRepository } from '../rules/repository.js';
import { RulesService } from '../rules/service.js';
import { RuleSnapshotHolder } from '../rules/snapshot.js';
import { migrateToLatest, openStore, type Store } from '../store/index.js';
import { parseRuleSet } from './rule-set.js';
import { natsReconnects, natsRuleSetBucket, natsRuleSetFeed } from './rule-set-bucket.js';
import { RuleSetFollower } from './rule-set-follower.js';
import { RuleSetPublisher } from './rule-set-publisher.js';
import { databaseRuleSetSource } from './rule-set-source.js';
import { LocalRuleSetStore } from './rule-set-store.js';

/** Waits for real NATS: a watch recreates its consumer after two missed 5 s heartbeats. */
const NATS_WAIT_MS = 45_000;

describe('rules from the server to agents over a real nats-server', () => {
  let nats: TestNatsServer;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    nats = await TestNatsServer.start();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    if (!nats.running) await nats.restart();
    const link = linkTo('cleanup');
    await new Kvm(await link.start()).open(RULES_BUCKET).then((kv) => kv.destroy());
    await link.close();
  });
  afterAll(() => nats.destroy());

  function linkTo(name: string): NatsLink {
    const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: nats.url } });
    const link = new NatsLink(config, secrets, { name, reconnectWaitMs: 100 });
    cleanups.push(() => link.close());
    return link;
  }

  async function sqlite(dataDir?: string): Promise<{ store: Store; dir: string }> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'lw-rules-'));
    const store = openStore({ url: null, dataDir: dir });
    await migrateToLatest(store);
    cleanups.push(async () => {
      await store.destroy().catch(() => undefined);
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    });
    return { store, dir };
  }

  /** A `serve` replica: its rules service and the publisher wired as context.ts will. */
  async function server() {
    const { store } = await sqlite();
    await new WorkloadRepository(store.db).insert({
      id: 'shop',
      name: 'Shop',
      kind: 'custom',
      created_at: 1,
    });
    const repo = new RuleRepository(store.db);
    const service = new RulesService({
      repo,
      workloads: new WorkloadRepository(store.db),
      snapshots: new RuleSnapshotHolder(repo),
    });
    const link = linkTo('serve');
    const publisher = new RuleSetPublisher(
      natsRuleSetBucket(() => link.start()),
      databaseRuleSetSource(store.db),
    );
    const workloads = new Workloads(new WorkloadRepository(store.db));
    publisher.start([service, workloads, natsReconnects(link)]);
    cleanups.push(() => publisher.stop());
    await publisher.settled();
    return { service, workloads, publisher, db: store.db };
  }

  /** An agent: its own SQLite, the follower and the snapshot the scanner would read. */
  async function agent(dataDir?: string) {
    const { store, dir } = await sqlite(dataDir);
    const holder = new RuleSnapshotHolder(new RuleRepository(store.db));
    const link = linkTo('agent');
    const follower = new RuleSetFollower(
      natsRuleSetFeed(() => link.start()),
      new LocalRuleSetStore(store.db),
      holder,
      { retryMs: 200 },
    );
    await follower.start();
    cleanups.push(() => follower.stop());
    const matches = (line: string, workload: string | null = null) =>
      holder
        .current()
        .matcherFor(workload)
        .match(Buffer.from(line), 'stdout')
        .map((m) => m.rule.name);
    return { follower, matches, dir, store };
  }

  async function held(): Promise<number> {
    const link = linkTo('reader');
    const kv = await new Kvm(await link.start()).open(RULES_BUCKET);
    const entry = await kv.get(RULES_KEY);
    await link.close();
    return entry ? parseRuleSet(entry.value).revision : -1;
  }

  it('a rule created on the server reaches the agent snapshot', { timeout: 60_000 }, async () => {
    const { service, workloads } = await server();
    const { follower, matches } = await agent();
    // The server's first revision: its workload `shop`.
    await eventually(() => follower.revision() === 1, NATS_WAIT_MS, 'the first set');
    await service.create({ name: 'oom', pattern: 'out of memory' });
    await service.create({ name: 'shop timeouts', pattern: 'timeout', workload_id: 'shop' });
    await eventually(() => follower.revision() === 3, NATS_WAIT_MS, 'revision 3');
    expect(matches('java: out of memory')).toEqual(['oom']);
    expect(matches('upstream timeout', 'shop')).toEqual(['shop timeouts']);
    expect(matches('upstream timeout')).toEqual([]);

    await workloads.delete('shop');
    await eventually(() => follower.revision() === 4, NATS_WAIT_MS, 'revision 4');
    expect(matches('upstream timeout', 'shop')).toEqual([]);
    expect(matches('java: out of memory', 'shop')).toEqual(['oom']);
  });

  it('an older replica does not overwrite a newer set', { timeout: 60_000 }, async () => {
    const ahead = await server();
    await ahead.service.create({ name: 'a', pattern: 'a' });
    await ahead.service.create({ name: 'b', pattern: 'b' });
    await ahead.publisher.settled();
    expect(await held()).toBe(3);
    const behind = await server();
    await behind.service.create({ name: 'old', pattern: 'old' });
    expect(await behind.publisher.publish()).toMatchObject({
      status: 'up_to_date',
      revision: 2,
      held: 3,
    });
    expect(await held()).toBe(3);
  });

  it(
    'an agent cut off during a change applies it once NATS is back',
    { timeout: 120_000 },
    async () => {
      const { service, publisher } = await server();
      const { follower, matches } = await agent();
      await eventually(() => follower.revision() === 1, NATS_WAIT_MS, 'the first set');
      await nats.stop();
      await service.create({ name: 'while down', pattern: 'panic' });
      await publisher.settled();
      expect(publisher.failed).toBeGreaterThan(0);
      await nats.restart();
      // The publisher republishes on reconnect; the agent's watch comes back on its own.
      await eventually(() => follower.revision() === 2, NATS_WAIT_MS, 'revision 2');
      expect(matches('kernel panic')).toEqual(['while down']);
    },
  );

  it(
    'a restarted agent runs its stored set before NATS is reachable',
    { timeout: 120_000 },
    async () => {
      const { service } = await server();
      await service.create({ name: 'stored', pattern: 'segfault' });
      const first = await agent();
      await eventually(() => first.follower.revision() === 2, NATS_WAIT_MS, 'revision 2');
      await first.follower.stop();
      await first.store.destroy();

      await nats.stop();
      const second = await agent(first.dir);
      expect(second.follower.revision()).toBe(2);
      expect(second.matches('segfault at 0')).toEqual(['stored']);
      await nats.restart();
      await service.create({ name: 'later', pattern: 'later' });
      await eventually(() => second.follower.revision() === 3, NATS_WAIT_MS, 'revision 3');
      expect(second.matches('later')).toEqual(['later']);
    },
  );
});
