import type { FastifySchema, RouteOptions } from 'fastify';
import { errorResponse, type ErrorStatus } from './wire/errors.js';

/** The parts of a route the contract reads. */
export type RouteShape = Pick<RouteOptions, 'method' | 'schema' | 'config'>;

const BODILESS = new Set(['GET', 'HEAD']);

/**
 * What any route may answer whatever its handler does, by who may call it and what it
 * takes: the access guard's 401 and 403, a refused input's 400, the body parser's 413
 * and 415, and 500.
 */
export function commonErrorStatuses(route: RouteShape, method: string): ErrorStatus[] {
  const statuses: ErrorStatus[] = [];
  const schema = route.schema ?? {};
  const takesBody = !BODILESS.has(method);
  if (schema.params || schema.querystring || schema.body || takesBody) statuses.push(400);
  if (!route.config?.public) statuses.push(401, 403);
  if (takesBody) statuses.push(413, 415);
  statuses.push(500);
  return statuses;
}

/**
 * Gives a route its declared responses plus the common error ones (a copy: the wire
 * modules' objects stay as written). A route that declares no responses is left
 * without: the route-table test names it.
 */
export function completeResponses(route: RouteShape, method: string): void {
  const schema = route.schema as FastifySchema | undefined;
  const declared = schema?.response as Record<string, unknown> | undefined;
  if (!schema || !declared) return;
  const response = { ...declared };
  for (const status of commonErrorStatuses(route, method))
    if (!(status in response)) response[status] = errorResponse(status);
  route.schema = { ...schema, response };
}

/** The statuses a route declares an answer for, as strings (`200`, `404`). */
export function declaredStatuses(route: RouteShape): string[] {
  const response = (route.schema as FastifySchema | undefined)?.response;
  return response ? Object.keys(response) : [];
}
