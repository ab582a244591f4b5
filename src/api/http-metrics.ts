import type { FastifyPluginAsync } from 'fastify';

/** Where request durations go (Metrics.httpRequest). */
export interface HttpObserver {
  httpRequest(method: string, route: string, status: number, seconds: number): void;
}

/**
 * Times every request by its route template (never the raw URL: one series per route,
 * whatever the ids). Live streams are left out: their duration is the client's stay.
 * Register before the route modules: it hooks the whole server.
 */
export function httpMetricsHook(observer: HttpObserver): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions;
      if (route.config?.stream) return;
      observer.httpRequest(
        request.method,
        route.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
    });
  };
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}
