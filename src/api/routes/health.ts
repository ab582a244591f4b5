import type { FastifyInstance } from 'fastify';
import type { EngineStatus } from '../../docker/engine-monitor.js';
import { SystemApi } from '../wire/system.js';

export interface HealthDeps {
  database: { dialect: string; ping(): Promise<void> };
  engine: { status(): EngineStatus };
  version: string;
}

export function healthRoutes(deps: HealthDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', { config: { public: true }, schema: SystemApi.healthz }, async () => ({
      status: 'ok',
      version: deps.version,
    }));

    app.get(
      '/readyz',
      { config: { public: true }, schema: SystemApi.readyz },
      async (_request, reply) => {
        let database: { ok: boolean; dialect: string; error?: string };
        try {
          await deps.database.ping();
          database = { ok: true, dialect: deps.database.dialect };
        } catch (err) {
          database = { ok: false, dialect: deps.database.dialect, error: (err as Error).message };
        }
        const engine = deps.engine.status();
        const ready = database.ok && engine.reachable;
        return reply.status(ready ? 200 : 503).send({
          ready,
          checks: { database, docker: { ok: engine.reachable, ...engine } },
        });
      },
    );
  };
}
