import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { actingAs, ADMIN } from '../../../test/support/test-principals.js';
import type { JournalEntry } from '../../audit/index.js';
import type { ApiToken, User } from '../../auth/index.js';
import type { StoredEvent } from '../../events/index.js';
import type { ContainerRecord, Workload } from '../../inventory/index.js';
import type { Rule } from '../../rules/index.js';
import type { Delivery, Trigger } from '../../triggers/index.js';
import { buildServer, routeTable } from '../server.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { eventsRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { inventoryRoutes } from './inventory.js';
import { rulesRoutes } from './rules.js';
import { scannerRoutes } from './scanner.js';
import { settingsRoutes } from './settings.js';
import { eventFrame } from './stream.js';
import { triggersRoutes } from './triggers.js';

/**
 * A field a domain grows that the wire schema does not list must not reach a client:
 * every domain object the routes get here carries one more field, at every level, and
 * no answer of any route shows it.
 */
const ADDED = 'added_later';
const grown = <T extends object>(value: T): T => ({ ...value, [ADDED]: 'not in the schema' });

const T0 = 1_700_000_000_000;
const event: StoredEvent = grown({
  id: 7,
  created_at: T0,
  source: 'logscan',
  severity: 'error',
  message: 'disk full',
  metadata: { rule_name: 'disk' },
  workload_id: 'shop',
  container_id: 'c1',
  rule_id: 3,
  incident_id: null,
  silenced_by: null,
  context: null,
  host_id: 'web1',
  msg_id: 'evt:web1:e:7',
});
const rule: Rule = grown({
  id: 3,
  name: 'disk',
  pattern: 'disk (?P<what>full)',
  severity: 'error',
  stream: 'both',
  cooldown_seconds: 60,
  enabled: true,
  condition: grown({ type: 'line' as const }),
  scope: 'global',
  workload_id: null,
  overrides_rule_id: null,
  resolve_after_seconds: null,
  context: { before: 5, after: 10, multiline: true },
  created_at: T0,
  updated_at: T0,
});
const container: ContainerRecord = grown({
  id: 'c1',
  name: 'shop-api-1',
  image: 'shop:1',
  workload_id: 'shop',
  compose_service: 'api',
  labels: { app: 'shop' },
  state: 'running',
  exit_code: null,
  health: null,
  restart_count: 0,
  started_at: T0,
  finished_at: null,
  last_seen_at: T0,
  logs_available: true,
  tty: false,
});
const workload: Workload = grown({ id: 'shop', name: 'Shop', kind: 'custom', created_at: T0 });
const trigger: Trigger = grown({
  id: 4,
  name: 'ops',
  enabled: true,
  filter: grown({
    severities: ['error'],
    sources: [],
    workloads: [],
    hosts: [],
    message_regex: '',
  }),
  channel: grown({
    type: 'webhook',
    url: 'https://hooks.example.net/x',
    headers: { authorization: 'Bearer s3cret' },
    body_template: null,
  }),
  secret: 'whsec_c2VjcmV0',
  disabled_reason: null,
  group_wait_seconds: 0,
  group_interval_seconds: 0,
  notify_on: ['opened', 'resolved'],
  repeat_interval_seconds: 0,
  context_wait_seconds: 3,
  created_at: T0,
  updated_at: T0,
});
const delivery: Delivery = grown({
  id: 9,
  trigger_id: 4,
  event_id: 7,
  channel: 'webhook',
  status: 'pending',
  attempts: 1,
  next_attempt_at: T0,
  last_status_code: 503,
  last_error: 'HTTP 503',
  latency_ms: 12,
  message_id: 'msg_1',
  event,
  created_at: T0,
  updated_at: T0,
  sent_at: null,
  transition: 'event',
  incident_id: null,
});
const user: User = grown({
  id: 1,
  username: 'ada',
  role: 'admin',
  disabled: false,
  created_at: T0,
  password_changed_at: T0,
});
const token: ApiToken = grown({
  id: 2,
  name: 'ci',
  prefix: 'lw_abcd',
  user_id: 1,
  role: 'viewer',
  scope: 'full',
  created_at: T0,
  expires_at: null,
  last_used_at: null,
  revoked_at: null,
});
const entry: JournalEntry = grown({
  id: 1,
  time: new Date(T0).toISOString(),
  actor: 'ada',
  action: 'POST /api/rules',
  object: 'rule:3',
  success: true,
  error_code: null,
  source: 'api',
});

async function server(): Promise<FastifyInstance> {
  const routes = [
    eventsRoutes({
      events: { get: async () => event, list: async () => ({ items: [event], next: null }) },
      containers: { find: async () => null },
      policy: { viewersReadLogs: () => true },
    }),
    rulesRoutes({
      rules: {
        list: async () => [rule],
        get: async () => rule,
        create: async () => rule,
        update: async () => rule,
        delete: async () => undefined,
        effectiveFor: async () => [grown({ ...rule, source: 'global' as const })],
        test: async () => grown({ matched: true, captures: { what: 'full' } }),
      },
    }),
    inventoryRoutes({
      containers: { list: async () => [container], find: async () => container },
      workloads: {
        list: async () => [workload],
        get: async () => workload,
        create: async () => workload,
        rename: async () => workload,
        delete: async () => undefined,
      },
    }),
    triggersRoutes({
      triggers: {
        list: async () => [trigger],
        get: async () => trigger,
        create: async () => ({ trigger, generated_secret: null }),
        update: async () => trigger,
        delete: async () => undefined,
        test: async () =>
          grown({
            ok: true,
            status: 'sent' as const,
            status_code: 200,
            latency_ms: 5,
            error: null,
          }),
      },
      deliveries: {
        list: async () => ({ items: [delivery], next: null }),
        listForTrigger: async () => ({ items: [delivery], next: null }),
        get: async () => delivery,
        retry: async () => delivery,
      },
    }),
    authRoutes({
      auth: {
        login: async () => ({ token: 'session', user, expires_at: T0 }),
        logout: async () => undefined,
        listUsers: async () => [user],
        createUser: async () => user,
        updateUser: async () => user,
        changeOwnPassword: async () => user,
        createToken: async () => ({ token: 'lw_secret', info: token }),
        listTokens: async () => [token],
        revokeToken: async () => token,
      },
      firstRun: { needed: async () => false, claim: async () => user },
      cookie: { alwaysSecure: false },
      publicUrl: null,
      policy: { viewersReadLogs: () => true },
    }),
    auditRoutes({
      journal: {
        list: () => ({ items: [entry], next: null }),
        stats: () =>
          grown({
            total: 1,
            successes: 1,
            failures: 0,
            by_source: { api: 1 },
            recent_failures: [entry],
            replay: grown({ files: 1, applied: 1, skipped_malformed: 0, skipped_oversized: 0 }),
            write_failures: 0,
          }),
      },
    }),
    scannerRoutes({
      scanner: {
        stats: () => ({
          counters: grown({
            lines_scanned: 1,
            bytes_scanned: 10,
            hits: 1,
            cooldown_drops: 0,
            rate_drops: 0,
            truncated_lines: 0,
            corrupt_streams: 0,
            reconnects: 0,
            lines_possibly_lost: 0,
            repeated_lines: 0,
            unreadable_containers: 0,
            stalls: 0,
            lines_recovered: 0,
            condition_keys_dropped: 0,
          }),
          active_tails: 1,
          tails: [
            grown({
              container_id: 'c1',
              container_name: 'shop-api-1',
              status: 'following' as never,
              lines: 1,
              hits: 1,
              reconnects: 0,
              lines_possibly_lost: 0,
              repeated_lines: 0,
              lines_recovered: 0,
              cursors: { stdout: { ts: '1.5', seen_at_ts: 1 } },
              last_line_at: T0,
              last_error: null,
            }),
          ],
        }),
      },
      rules: {
        current: () => ({
          version: 1,
          ruleCount: 1,
          compileErrors: [grown({ rule_id: 5, name: 'bad', error: 'missing )' })],
        }),
      },
    }),
    settingsRoutes({
      settings: () => [grown({ key: 'events.retention_days', env: 'X', value: 30, doc: 'days' })],
    }),
    healthRoutes({
      database: {
        dialect: 'sqlite',
        ping: async () => undefined,
        writability: {
          state: () => ({ writable: true, reason: null, error: null, since: null }),
        },
      },
      engine: {
        status: () =>
          grown({
            reachable: true,
            version: '27',
            api_version: '1.47',
            error: null,
            checked_at: null,
          }),
      },
      version: '0.0.0',
    }),
  ];
  // The signed-in admin of a browser session: user and token management need one.
  return buildServer({
    authenticator: actingAs({ ...ADMIN, via: 'session' }),
    logger: pino({ level: 'silent' }),
    routes,
  });
}

/** Every route these modules serve, called the way that succeeds. */
const BODIES: Record<string, unknown> = {
  'POST /api/setup': { token: 't', username: 'ada', password: 'correct horse battery' },
  'POST /api/login': { username: 'ada', password: 'correct horse battery' },
  'POST /api/me/password': { current_password: 'a', new_password: 'b' },
  'POST /api/users': { username: 'bob', password: 'correct horse battery' },
  'POST /api/tokens': { name: 'ci' },
  'POST /api/rules/test': { pattern: 'x', sample_line: 'x' },
  'POST /api/workloads': { name: 'Shop' },
  'PATCH /api/workloads/:id': { name: 'Shop' },
};

describe('a field the domain adds', () => {
  it('reaches no answer of any route until the wire schema lists it', async () => {
    const app = await server();
    await app.ready();
    const called: string[] = [];
    for (const route of routeTable(app)) {
      if (route.method === 'HEAD') continue;
      const key = `${route.method} ${route.url}`;
      const res = await app.inject({
        method: route.method as 'GET',
        url: route.url.replace(/:\w+/g, '1'),
        // A session's writes come from its own origin (inject's Host is localhost:80).
        headers: { origin: 'http://localhost:80' },
        ...(route.method === 'GET' ? {} : { payload: (BODIES[key] ?? {}) as object }),
      });
      expect(res.statusCode, `${key}: ${res.body}`).toBeLessThan(300);
      expect(res.body, key).not.toContain(ADDED);
      called.push(key);
    }
    // Every route of these modules answered, the ones without a body (204) too.
    expect(called.length).toBeGreaterThan(35);
  });

  it('reaches no live stream message', () => {
    expect(JSON.stringify(eventFrame(event).data)).not.toContain(ADDED);
  });

  it('does reach the answer once the schema lists it (the check above can fail)', async () => {
    const app = await buildServer({
      authenticator: actingAs(),
      logger: pino({ level: 'silent' }),
      routes: [
        async (a) => {
          a.get(
            '/listed',
            {
              schema: {
                response: {
                  200: {
                    type: 'object',
                    properties: { id: { type: 'integer' }, [ADDED]: { type: 'string' } },
                  },
                },
              },
            },
            async () => grown({ id: 1 }),
          );
        },
      ],
    });
    expect((await app.inject('/listed')).json()).toEqual({ id: 1, [ADDED]: 'not in the schema' });
  });
});
