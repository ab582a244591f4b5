import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../test/support/databases.js';
import { loadConfig } from './config/index.js';
import { AppContext } from './context.js';
import { migrateToLatest, openStore } from './store/index.js';

describe('AppContext wires the triggers safely', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-context-'));
  let ctx: AppContext | undefined;
  afterAll(async () => {
    await ctx?.destroy().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the tcp:// Docker host as a target and keeps trigger secrets out of the journal', async () => {
    const { config, secrets } = loadConfig({
      env: { LOGWARDEN_DATA_DIR: dir, DOCKER_HOST: 'tcp://10.99.0.9:2375' },
    });
    ctx = await AppContext.fromConfig(config, secrets, {
      store: await openTestStore('sqlite'),
      logger: pino({ level: 'silent' }),
    });
    const { service, credentials } = ctx.parts.triggers;
    await credentials.load();

    // 10.99.0.9 is private, which the default policy allows: only the Docker host denial refuses it.
    const refused = await service
      .create({
        name: 'engine',
        channel: { type: 'webhook', url: 'http://10.99.0.9:2375/containers/create' },
      })
      .catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/10\.99\.0\.9 is the Docker host Logwarden watches/);

    const { generated_secret } = await service.create({
      name: 'hook',
      channel: {
        type: 'webhook',
        url: 'https://hooks.example.net/x/ctx-path-token',
        headers: { authorization: 'Bearer ctx-header-token' },
      },
    });
    const { journal } = ctx.parts.audit;
    journal.record({
      actor: 'system',
      action: 'test.accident',
      success: true,
      source: 'triggers',
      details: { note: `${generated_secret} Bearer ctx-header-token /x/ctx-path-token` },
    });
    const written = JSON.stringify(journal.list({ action: 'test.accident' }).items);
    expect(written).toContain('[redacted]');
    for (const secret of [generated_secret!, 'ctx-header-token', 'ctx-path-token'])
      expect(written).not.toContain(secret);
  });
});

describe('AppContext keeps the event text index merged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-context-merge-'));
  let ctx: AppContext | undefined;
  afterAll(async () => {
    await ctx?.destroy().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('merges the segments that writes leave, in the background, once started', async () => {
    const { config, secrets } = loadConfig({
      env: {
        LOGWARDEN_DATA_DIR: dir,
        LOGWARDEN_LISTEN: '127.0.0.1:0',
        DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}`,
      },
    });
    const store = openStore({ url: `sqlite:${join(dir, 'logwarden.db')}`, dataDir: dir });
    ctx = await AppContext.fromConfig(config, secrets, {
      store,
      logger: pino({ level: 'silent' }),
    });
    await migrateToLatest(store);
    // Commits of ~9 index pages each: segments that only a merge joins (writes do not).
    for (let c = 0; c < 8; c++)
      await store.db
        .insertInto('event_log')
        .values(
          Array.from({ length: 300 }, (_, k) => ({
            created_at: Date.now(),
            source: 'system',
            severity: 'info',
            severity_rank: 0,
            message: Array.from({ length: 100 }, (_, j) =>
              String.fromCharCode(33 + (((c * 300 + k) * 7 + j * 13) % 90)),
            ).join(''),
            metadata: '{}',
            workload_id: null,
            container_id: null,
            rule_id: null,
          })),
        )
        .execute();
    // FTS5's structure record lists every segment: it shrinks when segments merge.
    const structure = async () =>
      Number(
        (
          await sql<{ n: number }>`select length(block) as n from event_log_fts_data
            where id = 10`.execute(store.db)
        ).rows[0]!.n,
      );
    const unmerged = await structure();
    await ctx.start();
    const deadline = Date.now() + 10_000;
    while ((await structure()) >= unmerged && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await structure()).toBeLessThan(unmerged);
  });
});
