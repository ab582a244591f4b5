import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import fastJson from 'fast-json-stringify';
import type { Logger } from 'pino';
import { registerAccessGuard, type Access, type AccessGuardOptions } from './access-guard.js';
import { registerErrorHandler } from './error-handler.js';
import { registerOpenApi } from './openapi.js';
import { completeResponses, declaredStatuses } from './route-contract.js';
import { SECURITY_HEADERS } from './security-headers.js';

export interface ServerOptions extends AccessGuardOptions {
  logger: Logger;
  trustedProxies?: readonly string[];
  routes: FastifyPluginAsync[];
}

export interface RouteEntry {
  method: string;
  url: string;
  public: boolean;
  /** What the route asked of the guard, when it asked (reads default to viewer). */
  access: Access | null;
  /** The statuses it declares an answer for (`200`, `404`…); empty: it declares none. */
  responses: string[];
  /** Whether it declares its path parameters, query, body (the wire contract). */
  inputs: { params: boolean; querystring: boolean; body: boolean };
  /** Its journal action, false when it records its own entries, null when it says nothing. */
  journal: string | false | null;
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server registered, with whether it is open to anyone. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return routeTables.get(app) ?? [];
}

/**
 * Response serialisers by schema object: the wire schemas are module constants, so the
 * servers of one process (and the routes that share an answer, like the error bodies)
 * compile each once.
 */
const serializers = new WeakMap<object, (data: unknown) => string>();

function cachedSerializer({ schema }: { schema: unknown }): (data: unknown) => string {
  const key = schema as object;
  let serialize = serializers.get(key);
  if (!serialize) {
    serialize = fastJson(key as Parameters<typeof fastJson>[0]) as (data: unknown) => string;
    serializers.set(key, serialize);
  }
  return serialize;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Only named proxies may say who the client is: throttling keys on the address.
    trustProxy: options.trustedProxies?.length ? [...options.trustedProxies] : false,
    // allErrors: a refused request names every offending field at once (bodies are at
    // most 1 MiB, and no schema has an unbounded pattern or nesting to amplify that).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });
  app.setSerializerCompiler(cachedSerializer);
  registerErrorHandler(app);
  registerAccessGuard(app, options);
  const table: RouteEntry[] = [];
  routeTables.set(app, table);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      completeResponses(route, method);
      table.push({
        method,
        url: route.url,
        public: route.config?.public === true,
        access: route.config?.access ?? null,
        responses: declaredStatuses(route),
        journal: route.config?.journal === false ? false : (route.config?.journal?.action ?? null),
        inputs: {
          params: Boolean(route.schema?.params),
          querystring: Boolean(route.schema?.querystring),
          body: Boolean(route.schema?.body),
        },
      });
    }
  });
  // After the hook above: the document shows each route's completed responses.
  await registerOpenApi(app);
  app.addHook('onSend', async (_request, reply) => {
    void reply.headers(SECURITY_HEADERS);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    );
  });
  for (const routes of options.routes) await app.register(routes);
  return app;
}
