import type { FastifyInstance } from 'fastify';
import type { EngineStatus } from '../../docker/engine-monitor.js';
import type { NatsStatus } from '../../nats/index.js';
import type { WritabilityState } from '../../store/index.js';
import { SystemApi } from '../wire/system.js';

export interface HealthDeps {
  database: {
    dialect: string;
    ping(): Promise<void>;
    writability: { state(): WritabilityState };
  };
  engine: { status(): EngineStatus };
  /**
   * Many hosts: the NATS connection, ready when connected. The replica then watches no
   * engine of its own (agents do), so Docker does not decide readiness.
   */
  nats?: { status(): NatsStatus } | null;
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
        const writes = deps.database.writability.state();
        const database = {
          ok: writes.writable,
          dialect: deps.database.dialect,
          ...(writes.writable ? {} : { error: `not writable: ${writes.reason}` }),
          writable: writes.writable,
          not_writable_since: writes.since === null ? null : new Date(writes.since).toISOString(),
          write_error: writes.error,
        };
        try {
          // A read: answered from the file (or the server) even while writes fail.
          await deps.database.ping();
        } catch (err) {
          Object.assign(database, { ok: false, error: (err as Error).message });
        }
        const engine = deps.engine.status();
        const link = deps.nats?.status() ?? null;
        const nats = link && {
          ok: link.state === 'connected',
          state: link.state,
          server: link.server,
          since: new Date(link.since).toISOString(),
          last_error: link.last_error,
        };
        const ready = database.ok && (nats ? nats.ok : engine.reachable);
        return reply.status(ready ? 200 : 503).send({
          ready,
          checks: {
            database,
            docker: { ok: engine.reachable, ...engine },
            ...(nats ? { nats } : {}),
          },
        });
      },
    );
  };
}
