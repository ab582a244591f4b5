import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { routeTableContext } from '../../test/support/route-context.js';
import type { AppContext } from '../context.js';
import { routeTable } from './server.js';

/** The only routes anyone may call without credentials. */
const PUBLIC = new Set([
  'GET /*', // the web UI's files and pages; /api/* paths fall through to a 404
  'GET /healthz',
  'GET /readyz',
  'GET /api/setup',
  'POST /api/setup',
  'POST /api/login',
]);
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Writes any signed-in user may make to their own account. */
const SELF_SERVICE = new Set(['POST /api/logout', 'POST /api/me/password']);

/**
 * Walks every registered route: each must answer 401 without credentials (unless it is
 * on the public list) and 403 to a viewer when it changes state.
 */
/** Reads that hold secrets or raw data, for admins only. */
const ADMIN_READS = [
  'GET /api/tokens',
  'GET /api/audit',
  'GET /api/audit/stats',
  'GET /api/stream/events',
  'GET /api/stream/logs/:container',
  'GET /api/containers/:id/logs',
  'GET /api/workloads/:id/logs',
];

async function guardViolations(
  server: FastifyInstance,
  tokens: { viewer: string; metrics: string },
): Promise<string[]> {
  const violations: string[] = [];
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  for (const route of routeTable(server)) {
    const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;
    const url = route.url.replace(/:\w+/g, '1').replace('*', 'x');
    if (PUBLIC.has(key)) {
      if (!route.public) violations.push(`${key}: listed public but guarded`);
      continue;
    }
    const anonymous = await server.inject({ method: route.method as 'GET', url });
    if (anonymous.statusCode !== 401)
      violations.push(`${route.method} ${route.url}: ${anonymous.statusCode} without credentials`);
    if (key !== 'GET /metrics') {
      const metrics = await server.inject({
        method: route.method as 'GET',
        url,
        headers: as(tokens.metrics),
      });
      if (metrics.statusCode !== 403)
        violations.push(`${route.method} ${route.url}: ${metrics.statusCode} for a metrics token`);
    }
    const adminOnly =
      route.access === 'admin' || route.access === 'metrics' || !READS.has(route.method);
    if (!adminOnly || SELF_SERVICE.has(key)) continue;
    // Streams answer 200 and stay open: only refusals are awaited here.
    const viewer = await server.inject({
      method: route.method as 'POST',
      url,
      headers: as(tokens.viewer),
    });
    if (viewer.statusCode !== 403)
      violations.push(`${route.method} ${route.url}: ${viewer.statusCode} for a viewer`);
  }
  return violations;
}

/** The naming of journal actions, the same for API routes, domain services and the CLI. */
const ACTION = /^[a-z]+\.[a-z_]+$/;

/** Writes that do not say how they are journaled, or name their action out of convention. */
function journalViolations(server: FastifyInstance): string[] {
  return routeTable(server)
    .filter((route) => !READS.has(route.method))
    .flatMap((route) => {
      const key = `${route.method} ${route.url}`;
      if (route.journal === null) return [`${key}: no journal action`];
      if (route.journal !== false && !ACTION.test(route.journal))
        return [`${key}: journal action ${route.journal} is not <kind>.<verb>`];
      return [];
    });
}

describe('every change is journaled under a named action', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-journaled-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the action of every state-changing route, and catches one that does not', async () => {
    const ctx = await routeTableContext(dir, (app) => {
      app.post('/api/unnamed', async () => ({ ok: true }));
      app.post('/api/misnamed', { config: { journal: { action: 'POST it' } } }, async () => ({}));
    });
    try {
      expect(journalViolations(ctx.server)).toEqual([
        'POST /api/unnamed: no journal action',
        'POST /api/misnamed: journal action POST it is not <kind>.<verb>',
      ]);
    } finally {
      await ctx.destroy();
    }
  });
});

describe('every route is guarded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-routes-'));
  let ctx: AppContext;
  let tokens: { viewer: string; metrics: string };
  afterAll(async () => {
    await ctx?.destroy().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  async function context(extra?: (app: FastifyInstance) => void) {
    ctx = await routeTableContext(dir, extra);
    const auth = ctx.parts.auth.service;
    const viewer = await auth.createUser({ username: 'vic', password: 'correct horse battery' });
    tokens = {
      viewer: (await auth.createToken({ name: 'v' }, { user_id: viewer.id })).token,
      metrics: (await auth.createToken({ name: 'm', scope: 'metrics' }, { user_id: viewer.id }))
        .token,
    };
    return ctx;
  }

  it('answers 401 without credentials and 403 to a viewer on every state-changing route', async () => {
    const { server } = await context();
    const table = routeTable(server);
    expect(table.length).toBeGreaterThan(20);
    const adminReads = table
      .filter((r) => r.method === 'GET' && r.access === 'admin')
      .map((r) => `GET ${r.url}`);
    expect(adminReads).toEqual(expect.arrayContaining(ADMIN_READS));
    // The index is viewer-readable (GET /api/containers), and so is its live form.
    expect(table.find((r) => r.url === '/api/stream/inventory')?.access).toBe('viewer');
    expect(await guardViolations(server, tokens)).toEqual([]);
    await ctx.destroy();
  });

  it('refuses the live streams to a cookie from another origin', async () => {
    const { server } = await context();
    await ctx.parts.auth.service.createUser({
      username: 'root',
      password: 'correct horse battery',
      role: 'admin',
    });
    const login = await server.inject({
      method: 'POST',
      url: '/api/login',
      payload: { username: 'root', password: 'correct horse battery' },
    });
    const cookie = (login.headers['set-cookie'] as string).split(';')[0]!;
    for (const url of ['/api/stream/events', '/api/stream/logs/abc', '/api/stream/inventory']) {
      const res = await server.inject({ url, headers: { cookie, origin: 'http://evil.example' } });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('CROSS_ORIGIN_REFUSED');
    }
    const stats = await server.inject({
      url: '/api/scanner/stats',
      headers: { cookie, origin: 'http://evil.example' },
    });
    // A plain read is not refused: the browser keeps its answer from the other site.
    expect(stats.statusCode).toBe(200);
    await ctx.destroy();
  });

  it('catches a route registered without the guard', async () => {
    const { server } = await context((app) => {
      app.post('/api/oops', { config: { public: true } }, async () => ({ ok: true }));
    });
    expect(await guardViolations(server, tokens)).toEqual([
      'POST /api/oops: 200 without credentials',
      'POST /api/oops: 200 for a metrics token',
      'POST /api/oops: 200 for a viewer',
    ]);
    await ctx.destroy();
  });
});
