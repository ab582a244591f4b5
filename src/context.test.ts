import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestStore } from '../test/support/databases.js';
import { loadConfig } from './config/index.js';
import { AppContext } from './context.js';

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
