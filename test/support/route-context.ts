import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { AppContext } from '../../src/context.js';
import { openTestStore } from './databases.js';

/**
 * The whole server on SQLite, not started (inject requests into `ctx.server`), with
 * `extra` routes beside the real ones and `env` on top of the defaults: what the
 * route-table tests walk.
 */
export async function routeTableContext(
  dataDir: string,
  extra?: (app: FastifyInstance) => void,
  env: Record<string, string> = {},
): Promise<AppContext> {
  const store = await openTestStore('sqlite');
  const { config, secrets } = loadConfig({ env: { LOGWARDEN_DATA_DIR: dataDir, ...env } });
  const ctx = await AppContext.fromConfig(config, secrets, {
    store,
    logger: pino({ level: 'silent' }),
    ...(extra ? { extraRoutes: [async (app: FastifyInstance) => extra(app)] } : {}),
  });
  await ctx.server.ready();
  return ctx;
}
