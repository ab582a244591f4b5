import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { frame, startFakeEngine } from '../../test/fakes/fake-engine.js';
import { containerRecord } from '../../test/support/fixtures.js';
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
];

/**
 * Reads of log lines: access `logs`, for viewers only when auth.viewers_read_logs is on.
 * The test below walks every route that declares `logs`, these and any added later.
 */
const LOG_READS = [
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
    // With auth.viewers_read_logs unset and the install's default not read (the server is
    // not started), reading logs stays closed to viewers like an admin-only read.
    const adminOnly =
      route.access === 'admin' ||
      route.access === 'metrics' ||
      route.access === 'logs' ||
      !READS.has(route.method);
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
    ctx = await routeTableContext(dir, extra, { LOGWARDEN_AUTH_VIEWERS_READ_LOGS: 'false' });
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
    const logReads = table.filter((r) => r.access === 'logs').map((r) => `${r.method} ${r.url}`);
    expect(logReads).toEqual(expect.arrayContaining(LOG_READS));
    // The index is viewer-readable (GET /api/containers), and so is its live form.
    expect(table.find((r) => r.url === '/api/stream/inventory')?.access).toBe('viewer');
    // Hosts are read like the container index: by viewers.
    expect(table.find((r) => r.method === 'GET' && r.url === '/api/hosts')?.access).toBe('viewer');
    // Incidents are read like events: by viewers.
    for (const url of ['/api/incidents', '/api/incidents/:id'])
      expect(table.find((r) => r.method === 'GET' && r.url === url)?.access).toBe('viewer');
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

describe('reading logs is an access of its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-log-access-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ID = 'c0ffee'.padEnd(64, '0');

  /** Each log route's URL for the one container (by name) or its workload. */
  const urlOf = (route: string) =>
    route
      .replace(/^GET /, '')
      .replace(':container', 'web')
      .replace(/^\/api\/workloads\/:id/, '/api/workloads/shop')
      .replace(':id', 'web');

  for (const [setting, viewerStatus] of [
    ['true', 200],
    ['false', 403],
  ] as const) {
    it(`answers a viewer ${viewerStatus} on every log route with auth.viewers_read_logs=${setting}`, async () => {
      // A stand-in engine whose container wrote one line and stopped.
      const engine = await startFakeEngine({
        logs: {
          steps: [{ write: frame(1, '2026-01-01T00:00:00.000000000Z hello from web\n') }],
        },
      });
      const ctx = await routeTableContext(dir, undefined, {
        DOCKER_HOST: engine.host,
        LOGWARDEN_AUTH_VIEWERS_READ_LOGS: setting,
      });
      try {
        const { auth, inventory } = ctx.parts;
        await inventory.workloads.create({ id: 'shop', name: 'Shop' });
        await inventory.containers.upsert(
          containerRecord(ID, { name: 'web', workload_id: 'shop', state: 'stopped' }),
        );
        const viewer = await auth.service.createUser({
          username: 'vic',
          password: 'correct horse battery',
        });
        const admin = await auth.service.createUser({
          username: 'ada',
          password: 'correct horse battery',
          role: 'admin',
        });
        const token = async (user_id: number, name: string, over: object = {}) =>
          (await auth.service.createToken({ name, ...over }, { user_id })).token;
        const as = {
          viewer: await token(viewer.id, 'v'),
          admin: await token(admin.id, 'a', { role: 'admin' }),
        };
        // A token acts with its own role: an admin's viewer token is a viewer.
        const adminsViewerToken = await token(admin.id, 'av');
        const metrics = await token(admin.id, 'm', { scope: 'metrics' });

        const routes = routeTable(ctx.server)
          .filter((r) => r.access === 'logs' && r.method === 'GET')
          .map((r) => `GET ${r.url}`);
        expect(routes).toEqual(expect.arrayContaining(LOG_READS));
        for (const route of routes) {
          const url = urlOf(route);
          const get = (t: string) =>
            ctx.server.inject({ url, headers: { authorization: `Bearer ${t}` } });
          const byViewer = await get(as.viewer);
          expect(byViewer.statusCode, `${route} for a viewer`).toBe(viewerStatus);
          if (viewerStatus === 200) expect(byViewer.body).toContain('hello from web');
          else expect(byViewer.json().error.code).toBe('FORBIDDEN');
          const byAdmin = await get(as.admin);
          expect(byAdmin.statusCode, `${route} for an admin`).toBe(200);
          expect(byAdmin.body).toContain('hello from web');
          expect((await get(metrics)).statusCode, `${route} for a metrics token`).toBe(403);
          expect((await get(adminsViewerToken)).statusCode, `${route} for a viewer token`).toBe(
            viewerStatus,
          );
        }
        const me = (t: string) =>
          ctx.server.inject({ url: '/api/me', headers: { authorization: `Bearer ${t}` } });
        expect((await me(as.viewer)).json().user.can_read_logs).toBe(setting === 'true');
        expect((await me(as.admin)).json().user.can_read_logs).toBe(true);
      } finally {
        await ctx.destroy();
        await engine.close();
      }
    });
  }
});
