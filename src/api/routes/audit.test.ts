import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OperationJournal } from '../../audit/index.js';
import { Metrics } from '../../metrics/index.js';
import { RuleRepository, RuleSnapshotHolder, RulesService } from '../../rules/index.js';
import { WorkloadRepository } from '../../inventory/index.js';
import { useTestStore } from '../../../test/support/databases.js';
import { parseMetrics, sampleValue } from '../../../test/support/prometheus.js';
import { ADMIN, VIEWER } from '../../../test/support/test-principals.js';
import type { Principal } from '../../auth/principal.js';
import { httpMetricsHook } from '../http-metrics.js';
import { journalHook } from '../journal-hook.js';
import { buildServer } from '../server.js';
import { auditRoutes } from './audit.js';
import { metricsRoutes } from './metrics.js';
import { rulesRoutes } from './rules.js';

describe('operations journal over the API', () => {
  const store = useTestStore('sqlite');

  async function app(who: Principal | null = ADMIN) {
    const journal = new OperationJournal({ files: null });
    const metrics = new Metrics({ defaultMetrics: false });
    const repo = new RuleRepository(store().db);
    const rules = new RulesService({
      repo,
      workloads: new WorkloadRepository(store().db),
      snapshots: new RuleSnapshotHolder(repo),
    });
    let principal = who;
    const server = await buildServer({
      logger: pino({ level: 'silent' }),
      authenticator: { authenticate: async () => principal },
      routes: [
        journalHook(journal),
        httpMetricsHook(metrics),
        rulesRoutes({ rules }),
        auditRoutes({ journal }),
        metricsRoutes({ metrics }),
      ],
    });
    return { server, journal, metrics, as: (p: Principal | null) => (principal = p) };
  }

  it('records each change: who, action, object, outcome with its code, before and after; not a test', async () => {
    const { server, journal, as } = await app();
    const created = await server.inject({
      method: 'POST',
      url: '/api/rules',
      payload: { name: 'errors', pattern: 'ERROR' },
    });
    const id = created.json().id as number;
    await server.inject({
      method: 'PATCH',
      url: `/api/rules/${id}`,
      payload: { severity: 'error' },
    });
    await server.inject({
      method: 'POST',
      url: '/api/rules',
      payload: { name: 'bad', pattern: '(' },
    });
    await server.inject({ method: 'GET', url: '/api/rules' });
    // Trying a pattern changes nothing: not an operation.
    const tried = await server.inject({
      method: 'POST',
      url: '/api/rules/test',
      payload: { pattern: 'ERROR', sample_line: 'an ERROR' },
    });
    expect(tried.statusCode).toBe(200);
    as(VIEWER);
    await server.inject({ method: 'DELETE', url: `/api/rules/${id}` });
    as(null);
    await server.inject({ method: 'DELETE', url: `/api/rules/${id}` });

    const items = journal.list({}).items;
    expect(items.map((e) => [e.actor, e.action, e.success, e.error_code])).toEqual([
      ['viewer', 'rule.delete', false, 'FORBIDDEN'],
      ['admin', 'rule.create', false, 'RULE_INVALID_PATTERN'],
      ['admin', 'rule.update', true, null],
      ['admin', 'rule.create', true, null],
    ]);
    const [, , patch, create] = items;
    expect(create).toMatchObject({
      object: `rule:${id}`,
      source: 'api',
      after: { name: 'errors' },
      details: { route: 'POST /api/rules', status: 201 },
    });
    expect(patch).toMatchObject({
      object: `rule:${id}`,
      before: { severity: 'warn' },
      after: { severity: 'error' },
      details: { route: 'PATCH /api/rules/:id', status: 200 },
    });
  });

  it('serves the journal newest first with filters, and its stats, to admins', async () => {
    const { server, journal, as } = await app();
    journal.record({ actor: 'alice', action: 'auth.login', success: true, source: 'auth' });
    journal.record({
      actor: 'bob',
      action: 'auth.login',
      success: false,
      error_code: 'AUTH_REQUIRED',
      source: 'auth',
    });
    journal.record({ actor: 'system', action: 'rules.reload', success: true, source: 'rules' });
    const all = (await server.inject('/api/audit?limit=2')).json();
    expect(all.items.map((e: { actor: string }) => e.actor)).toEqual(['system', 'bob']);
    expect(all.next).toBe(2);
    const failed = (await server.inject('/api/audit?success=false&action=login')).json();
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({ actor: 'bob', error_code: 'AUTH_REQUIRED' });
    const stats = (await server.inject('/api/audit/stats')).json();
    expect(stats).toMatchObject({
      total: 3,
      successes: 2,
      failures: 1,
      by_source: { auth: 2, rules: 1 },
    });
    expect(stats.recent_failures[0].actor).toBe('bob');
    const bad = await server.inject('/api/audit?since=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('since');
    as(VIEWER);
    expect((await server.inject('/api/audit')).statusCode).toBe(403);
  });

  it('exposes request durations on /metrics, to admins and metrics tokens only', async () => {
    const { server, as } = await app();
    await server.inject('/api/rules');
    await server.inject('/api/rules/12345');
    const res = await server.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const families = parseMetrics(res.body);
    const http = families.find((f) => f.name === 'logwarden_http_request_duration_seconds');
    expect(http?.type).toBe('HISTOGRAM');
    expect(res.body).toContain('route="/api/rules/:id",status_code="404"');
    expect(sampleValue(families, 'logwarden_scanner_lines_total')).toBe(0);
    as({ ...ADMIN, name: 'token:prom', role: 'viewer', scope: 'metrics' });
    expect((await server.inject('/metrics')).statusCode).toBe(200);
    expect((await server.inject('/api/rules')).statusCode).toBe(403);
    as(VIEWER);
    expect((await server.inject('/metrics')).statusCode).toBe(403);
  });
});
