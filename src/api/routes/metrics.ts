import type { FastifyInstance } from 'fastify';
import { SystemApi } from '../wire/system.js';

export interface MetricsApiDeps {
  metrics: { readonly contentType: string; render(): Promise<string> };
}

export function metricsRoutes(deps: MetricsApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    // An admin, or a token of the read-only `metrics` scope (the access guard decides).
    app.get(
      '/metrics',
      { config: { access: 'metrics' }, schema: SystemApi.metrics },
      async (_request, reply) =>
        reply.type(deps.metrics.contentType).send(await deps.metrics.render()),
    );
  };
}
