import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { routeTableContext } from '../../test/support/route-context.js';
import type { AppContext } from '../context.js';
import { AppError, ErrorCode } from '../errors.js';
import { commonErrorStatuses } from './route-contract.js';
import { routeTable, type RouteEntry } from './server.js';
import { errors } from './wire/errors.js';

/**
 * The wire contract over the whole route table: every route declares its answers (a
 * success and each error status it can give), every answer a route gives in a walk of
 * the table is one it declares, and the OpenAPI document shows them all.
 */

const dir = mkdtempSync(join(tmpdir(), 'lw-contract-'));
let ctx: AppContext | undefined;
afterEach(async () => {
  await ctx?.destroy().catch(() => undefined);
  ctx = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function context(extra?: (app: FastifyInstance) => void) {
  const built = await routeTableContext(dir, extra);
  ctx = built;
  const auth = built.parts.auth.service;
  const admin = await auth.createUser({
    username: 'ada',
    password: 'correct horse battery',
    role: 'admin',
  });
  const token = async (scope?: string) =>
    (await auth.createToken({ name: `t-${scope ?? 'full'}`, scope }, { user_id: admin.id })).token;
  return { server: built.server, admin: await token(), metrics: await token('metrics') };
}

const key = (route: RouteEntry) => `${route.method} ${route.url}`;

/** What is missing from a route's declared answers. */
function declarationGaps(table: readonly RouteEntry[]): string[] {
  const gaps: string[] = [];
  for (const route of table) {
    if (route.responses.length === 0) {
      gaps.push(`${key(route)}: declares no responses`);
      continue;
    }
    if (!route.responses.some((s) => /^2\d\d$/.test(s)))
      gaps.push(`${key(route)}: declares no success response`);
    const shape = { method: route.method, config: { public: route.public }, schema: {} };
    const schema = shape.schema as Record<string, unknown>;
    for (const [part, has] of Object.entries(route.inputs)) if (has) schema[part] = {};
    for (const status of commonErrorStatuses(shape, route.method))
      if (!route.responses.includes(String(status)))
        gaps.push(`${key(route)}: declares no ${status}`);
  }
  return gaps;
}

/** A path of the route with its parameters filled in. */
const pathOf = (route: RouteEntry, id: string) =>
  route.url.replace(/:\w+/g, id).replace('*', 'no-such-page');

/**
 * Calls every route the ways that fail (no credentials, a metrics token, a malformed or
 * unknown id, an empty, a non-JSON and a wrong body) and the way that works, and
 * reports each answer whose status the route does not declare. Live streams are only
 * asked what they refuse: an accepted stream stays open.
 */
async function undeclaredAnswers(
  server: FastifyInstance,
  tokens: { admin: string; metrics: string },
): Promise<string[]> {
  const out: string[] = [];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  for (const route of routeTable(server)) {
    const method = route.method as 'GET';
    const stream = route.url.startsWith('/api/stream/');
    const tries: {
      what: string;
      url: string;
      headers?: Record<string, string>;
      payload?: string;
    }[] = [
      { what: 'anonymous', url: pathOf(route, '1') },
      { what: 'metrics token', url: pathOf(route, '1'), headers: bearer(tokens.metrics) },
      { what: 'malformed id', url: pathOf(route, 'x%20y'), headers: bearer(tokens.admin) },
      {
        what: 'bad query',
        url: `${pathOf(route, '1')}?limit=0&tail=-1&history=-1`,
        headers: bearer(tokens.admin),
      },
    ];
    if (!stream)
      tries.push({
        what: 'unknown id',
        url: pathOf(route, '999999'),
        headers: bearer(tokens.admin),
      });
    if (route.method !== 'GET' && route.method !== 'HEAD') {
      const json = { ...bearer(tokens.admin), 'content-type': 'application/json' };
      const url = pathOf(route, '999999');
      tries.push(
        { what: 'empty body', url, headers: json, payload: '' },
        { what: 'body {}', url, headers: json, payload: '{}' },
        { what: 'wrong type', url, headers: json, payload: '{"name": {"a": 1}}' },
        {
          what: 'not JSON',
          url,
          headers: { ...bearer(tokens.admin), 'content-type': 'text/plain' },
          payload: 'x',
        },
      );
    }
    for (const t of tries) {
      if (stream && t.what === 'malformed id') continue; // a name: any string is one
      const res = await server.inject({
        method,
        url: t.url,
        headers: t.headers,
        payload: t.payload,
      });
      if (!route.responses.includes(String(res.statusCode)))
        out.push(
          `${key(route)} (${t.what}): answered ${res.statusCode}, declares ${route.responses.join(' ')}`,
        );
    }
  }
  return out;
}

describe('the route table', () => {
  it('every route declares a response schema for its success and each error status', async () => {
    const { server } = await context();
    const table = routeTable(server);
    expect(table.length).toBeGreaterThan(40);
    expect(declarationGaps(table)).toEqual([]);
  });

  it('catches a route without response schemas, or without one of its errors', async () => {
    const { server } = await context((app) => {
      app.get('/api/oops', async () => ({ ok: true }));
      app.post(
        '/api/half',
        { schema: { body: { type: 'object' }, response: { 200: { type: 'object' } } } },
        async () => ({}),
      );
    });
    const gaps = declarationGaps(routeTable(server));
    expect(gaps).toContain('GET /api/oops: declares no responses');
    expect(gaps).toContain('HEAD /api/oops: declares no responses');
    // The common errors are added to what a route declares: the half route has them.
    expect(gaps.filter((g) => g.includes('/api/half'))).toEqual([]);
  });

  it('answers only with statuses the route declares', async () => {
    const { server, admin, metrics } = await context();
    expect(await undeclaredAnswers(server, { admin, metrics })).toEqual([]);
  });

  it('catches an answer a route does not declare', async () => {
    const { server, admin, metrics } = await context((app) => {
      app.get(
        '/api/conflicted',
        { schema: { response: { 200: { type: 'object' } } } },
        async () => {
          throw new AppError(ErrorCode.Conflict, 'always');
        },
      );
      app.get(
        '/api/declared',
        { schema: { response: { 200: { type: 'object' }, ...errors(409) } } },
        async () => {
          throw new AppError(ErrorCode.Conflict, 'always');
        },
      );
    });
    const found = await undeclaredAnswers(server, { admin, metrics });
    expect(found.filter((f) => f.includes('/api/conflicted'))).toContain(
      'GET /api/conflicted (unknown id): answered 409, declares 200 401 403 500',
    );
    expect(found.filter((f) => f.includes('/api/declared'))).toEqual([]);
  });
});

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with every route, each declared answer and the auth schemes', async () => {
    const { server, admin } = await context();
    const res = await server.inject({
      url: '/api/openapi.json',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);

    expect(doc.components.securitySchemes).toMatchObject({
      session: { type: 'apiKey', in: 'cookie', name: 'lw_session' },
      token: { type: 'http', scheme: 'bearer' },
    });
    const missing: string[] = [];
    for (const route of routeTable(server)) {
      // Fastify answers HEAD for every GET with the GET's handler: the GET stands for both.
      if (route.method === 'HEAD') continue;
      const path = route.url.replace(/:(\w+)/g, '{$1}').replace('*', '{*}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      if (!op) {
        missing.push(`${key(route)}: not in the document`);
        continue;
      }
      for (const status of route.responses) {
        const answer = op.responses[status];
        if (!answer) missing.push(`${key(route)}: no ${status} in the document`);
        else if (status !== '204' && status !== '304' && !answer.content)
          missing.push(`${key(route)}: ${status} has no schema in the document`);
      }
      if (route.public) expect(op.security, key(route)).toEqual([]);
      else expect(op['x-access'], key(route)).toMatch(/^(viewer|admin|metrics|logs)$/);
    }
    expect(missing).toEqual([]);

    const listed = doc.components.schemas.ErrorCode.enum;
    expect([...listed].sort()).toEqual(Object.values(ErrorCode).sort());
    for (const code of listed) expect(doc.components.schemas.ErrorCode.description).toContain(code);
  });

  it('needs credentials, like the rest of the API', async () => {
    const { server, metrics } = await context();
    expect((await server.inject('/api/openapi.json')).statusCode).toBe(401);
    const scoped = await server.inject({
      url: '/api/openapi.json',
      headers: { authorization: `Bearer ${metrics}` },
    });
    expect(scoped.statusCode).toBe(403);
  });
});
