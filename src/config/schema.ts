import { HOST_ID_PATTERN, LOCAL_HOST } from '../nats/subjects.js';
import { NATS_KEYS } from '../nats/config.js';
import { AppError } from '../errors.js';
import { parse, type KeySpec } from './parse.js';

export { parse, type KeySpec } from './parse.js';

/** An agent's host id: one NATS subject token, and not the API's name for the own engine. */
function hostId() {
  return (raw: unknown, key: string): string | null => {
    const id = parse.optionalString()(raw, key);
    if (id !== null && (!HOST_ID_PATTERN.test(id) || id === LOCAL_HOST))
      throw AppError.validation(
        key,
        `must be lowercase letters, digits, - and _, starting with a letter or digit, at most 64 long, and not "${LOCAL_HOST}"`,
      );
    return id;
  };
}

/**
 * Every configuration key, once (the NATS keys are src/nats/config.ts's, spread in).
 * docs/configuration.md is this table in prose.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const KEYS = {
  listen: {
    key: 'listen',
    env: 'LOGWARDEN_LISTEN',
    default: { host: '127.0.0.1', port: 8080 },
    parse: parse.listen(),
    doc: 'Address the HTTP server binds, HOST:PORT. Port 0 picks a free port.',
  },
  publicUrl: {
    key: 'public_url',
    env: 'LOGWARDEN_PUBLIC_URL',
    default: null,
    parse: parse.url(['http:', 'https:']),
    doc: 'The URL people use to reach Logwarden (behind a proxy); used for links and origin checks.',
  },
  trustedProxies: {
    key: 'trusted_proxies',
    env: 'LOGWARDEN_TRUSTED_PROXIES',
    default: [] as string[],
    parse: parse.addressList(),
    doc: 'Reverse proxies (IPs or CIDR ranges, comma-separated) whose X-Forwarded-For names the client; sign-in throttling then counts per real client. Empty trusts none.',
  },
  dataDir: {
    key: 'data_dir',
    env: 'LOGWARDEN_DATA_DIR',
    default: './data',
    parse: parse.string({ nonEmpty: true }),
    doc: 'Directory for the SQLite database, the operations journal and the setup token.',
  },
  databaseUrl: {
    key: 'database_url',
    env: 'LOGWARDEN_DATABASE_URL',
    default: null,
    secret: true,
    parse: parse.url(['postgres:', 'postgresql:', 'sqlite:']),
    doc: 'postgres://user:pass@host/db for PostgreSQL; empty for SQLite at DATA_DIR/logwarden.db; sqlite:PATH for another file.',
  },
  logLevel: {
    key: 'log_level',
    env: 'LOGWARDEN_LOG_LEVEL',
    default: 'info',
    parse: parse.oneOf(LOG_LEVELS),
    doc: `One of ${LOG_LEVELS.join(', ')}.`,
  },
  dockerHost: {
    key: 'docker.host',
    env: 'DOCKER_HOST',
    default: 'unix:///var/run/docker.sock',
    parse: parse.string({ nonEmpty: true }),
    doc: 'Docker Engine API endpoint: unix:///path/to/docker.sock or tcp://host:2376.',
  },
  dockerTlsVerify: {
    key: 'docker.tls_verify',
    env: 'DOCKER_TLS_VERIFY',
    default: false,
    parse: parse.boolean(),
    doc: 'Use TLS with client certificates for tcp:// hosts.',
  },
  dockerCertPath: {
    key: 'docker.cert_path',
    env: 'DOCKER_CERT_PATH',
    default: null,
    parse: parse.optionalString(),
    doc: 'Directory holding ca.pem, cert.pem and key.pem for docker.tls_verify.',
  },
  dockerApiVersion: {
    key: 'docker.api_version',
    env: 'LOGWARDEN_DOCKER_API_VERSION',
    default: null,
    parse: parse.optionalString(),
    doc: 'Pin the Engine API version (e.g. 1.41); empty negotiates with the daemon.',
  },
  inventoryResyncSeconds: {
    key: 'inventory.resync_seconds',
    env: 'LOGWARDEN_INVENTORY_RESYNC_SECONDS',
    default: 30,
    parse: parse.integer(-2_147_483_648, 2_147_483_647),
    doc: 'Full resync period of the containers index; ≤ 0 means 30, more than 300 is clamped to 300.',
  },
  inventoryComposeDiscovery: {
    key: 'inventory.compose_discovery',
    env: 'LOGWARDEN_INVENTORY_COMPOSE_DISCOVERY',
    default: true,
    parse: parse.boolean(),
    doc: 'Register each compose project as a workload the first time one of its containers is seen.',
  },
  restartLoopCount: {
    key: 'inventory.restart_loop_count',
    env: 'LOGWARDEN_INVENTORY_RESTART_LOOP_COUNT',
    default: 3,
    parse: parse.integer(2, 1000),
    doc: 'Restarts within inventory.restart_loop_window_seconds that make a restart loop.',
  },
  restartLoopWindowSeconds: {
    key: 'inventory.restart_loop_window_seconds',
    env: 'LOGWARDEN_INVENTORY_RESTART_LOOP_WINDOW_SECONDS',
    default: 300,
    parse: parse.integer(1, 86_400),
    doc: 'Window for restart-loop detection.',
  },
  eventsRetentionDays: {
    key: 'events.retention_days',
    env: 'LOGWARDEN_EVENTS_RETENTION_DAYS',
    default: 30,
    parse: parse.integer(1, 36_500),
    doc: 'Events older than this are pruned.',
  },
  eventsRetentionRows: {
    key: 'events.retention_rows',
    env: 'LOGWARDEN_EVENTS_RETENTION_ROWS',
    default: 1_000_000,
    parse: parse.integer(1_000, 1_000_000_000),
    doc: 'At most this many events are kept; the oldest are pruned first.',
  },
  scannerRatePerSecond: {
    key: 'scanner.rate_per_second',
    env: 'LOGWARDEN_SCANNER_RATE_PER_SECOND',
    default: 5,
    parse: parse.number(0.001, 1_000_000),
    doc: 'Hits per second each container may produce (token bucket refill rate).',
  },
  scannerBurst: {
    key: 'scanner.burst',
    env: 'LOGWARDEN_SCANNER_BURST',
    default: 20,
    parse: parse.integer(1, 1_000_000),
    doc: 'Hits a container may produce at once before scanner.rate_per_second applies.',
  },
  scannerInitialTailLines: {
    key: 'scanner.initial_tail_lines',
    env: 'LOGWARDEN_SCANNER_INITIAL_TAIL_LINES',
    default: 0,
    parse: parse.integer(0, 100_000),
    doc: 'For a container already running when first seen: scan its last N lines (0 starts at now).',
  },
  authSessionIdleHours: {
    key: 'auth.session_idle_hours',
    env: 'LOGWARDEN_AUTH_SESSION_IDLE_HOURS',
    default: 12,
    parse: parse.number(0.01, 24 * 365),
    doc: 'A session unused this long is signed out.',
  },
  authSessionAbsoluteDays: {
    key: 'auth.session_absolute_days',
    env: 'LOGWARDEN_AUTH_SESSION_ABSOLUTE_DAYS',
    default: 7,
    parse: parse.number(0.001, 365),
    doc: 'A session ends this long after sign-in, used or not.',
  },
  authCookieSecure: {
    key: 'auth.cookie_secure',
    env: 'LOGWARDEN_AUTH_COOKIE_SECURE',
    default: false,
    parse: parse.boolean(),
    doc: 'Always mark the session cookie Secure (set it behind a TLS proxy); it is Secure whenever the request came over TLS.',
  },
  authViewersReadLogs: {
    key: 'auth.viewers_read_logs',
    env: 'LOGWARDEN_AUTH_VIEWERS_READ_LOGS',
    default: null as boolean | null,
    parse: parse.optionalBoolean(),
    doc: 'Whether viewers may read container logs (live, search, download); admins always may. Unset: on for an install set up with this version or later, off for one upgraded from before (logs often hold secrets; see docs/auth.md).',
  },
  streamHistorySize: {
    key: 'stream.history_size',
    env: 'LOGWARDEN_STREAM_HISTORY_SIZE',
    default: 1000,
    parse: parse.integer(0, 100_000),
    doc: 'Recent events kept in memory to prime a client that opens the live stream.',
  },
  streamQueueSize: {
    key: 'stream.queue_size',
    env: 'LOGWARDEN_STREAM_QUEUE_SIZE',
    default: 1024,
    parse: parse.integer(16, 1_000_000),
    doc: 'Events (or log lines) queued for a live-stream client that reads slowly; beyond it they are dropped and the client is told how many.',
  },
  streamMaxPerUser: {
    key: 'stream.max_per_user',
    env: 'LOGWARDEN_STREAM_MAX_PER_USER',
    default: 32,
    parse: parse.integer(1, 10_000),
    doc: 'Live streams (events, container logs and the inventory together) one user may hold open at once, their API tokens included; one more is refused with 429 STREAM_LIMIT_REACHED.',
  },
  streamMaxLogFollows: {
    key: 'stream.max_log_follows',
    env: 'LOGWARDEN_STREAM_MAX_LOG_FOLLOWS',
    default: 64,
    parse: parse.integer(1, 10_000),
    doc: "Log-viewer streams, across all users, that follow a container's log from Docker themselves (the container has no scanner tail); one more is refused with 429 STREAM_LIMIT_REACHED. On an agent: live follows of its containers the replicas ask for at once; one more ends the viewer's stream with STREAM_LIMIT_REACHED.",
  },
  uiGoneContainersHideAfterSeconds: {
    key: 'ui.gone_containers_hide_after_seconds',
    env: 'LOGWARDEN_UI_GONE_CONTAINERS_HIDE_AFTER_SECONDS',
    default: 600,
    parse: parse.integer(0, 2_592_000),
    doc: 'A container Docker no longer has stays listed (marked gone) in the UI this long, then folds away behind "show N gone"; 0 folds it at once. Its row and events are kept either way.',
  },
  silencesRetentionDays: {
    key: 'silences.retention_days',
    env: 'LOGWARDEN_SILENCES_RETENTION_DAYS',
    default: 5,
    parse: parse.integer(1, 36_500),
    doc: 'Expired silences are kept this long after they end, for the record (GET /api/silences?state=expired), then pruned. The events they silenced keep their silenced_by.',
  },
  auditRetentionDays: {
    key: 'audit.retention_days',
    env: 'LOGWARDEN_AUDIT_RETENTION_DAYS',
    default: 90,
    parse: parse.integer(1, 36_500),
    doc: 'Daily files of the operations journal (DATA_DIR/audit) older than this are removed.',
  },
  webhookDenyPrivate: {
    key: 'webhook.deny_private',
    env: 'LOGWARDEN_WEBHOOK_DENY_PRIVATE',
    default: false,
    parse: parse.boolean(),
    doc: 'Refuse notification targets in private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) as well. Applies to every channel. Cloud metadata services and a tcp:// Docker host are refused either way.',
  },
  webhookAllowLoopback: {
    key: 'webhook.allow_loopback',
    env: 'LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK',
    default: false,
    parse: parse.boolean(),
    doc: 'For testing only: let notifications reach loopback addresses (127.0.0.0/8, ::1). Never turn this on in production.',
  },
  triggersConcurrency: {
    key: 'triggers.concurrency',
    env: 'LOGWARDEN_TRIGGERS_CONCURRENCY',
    default: 4,
    parse: parse.integer(1, 64),
    doc: 'Deliveries sent at the same time.',
  },
  triggersMaxAttempts: {
    key: 'triggers.max_attempts',
    env: 'LOGWARDEN_TRIGGERS_MAX_ATTEMPTS',
    default: 6,
    parse: parse.integer(1, 20),
    doc: 'Attempts per delivery before it is given up (status dead).',
  },
  triggersRetryBaseSeconds: {
    key: 'triggers.retry_base_seconds',
    env: 'LOGWARDEN_TRIGGERS_RETRY_BASE_SECONDS',
    default: 60,
    parse: parse.number(0.01, 3600),
    doc: 'Wait before the first retry; each next one waits 2.5 times longer (±20 % jitter). 60 with 6 attempts spreads them over about an hour.',
  },
  incidentsResolveAfterSeconds: {
    key: 'incidents.resolve_after_seconds',
    env: 'LOGWARDEN_INCIDENTS_RESOLVE_AFTER_SECONDS',
    default: 300,
    parse: parse.integer(1, 604_800),
    doc: 'An open incident with no new event for this long resolves; for rules without their own resolve_after_seconds and for lifecycle incidents (crash, OOM, unhealthy, missing).',
  },
  incidentsSweepSeconds: {
    key: 'incidents.sweep_seconds',
    env: 'LOGWARDEN_INCIDENTS_SWEEP_SECONDS',
    default: 10,
    parse: parse.integer(1, 3600),
    doc: 'How often quiet incidents are resolved and reminders sent; a resolution can come this much after its quiet period ends.',
  },
  ...NATS_KEYS,
  agentHostId: {
    key: 'agent.host_id',
    env: 'LOGWARDEN_AGENT_HOST_ID',
    default: null as string | null,
    parse: hostId(),
    doc: "For `logwarden agent`: the id this host is known by (lowercase letters, digits, - and _; at most 64; not `local`, which names the serving process's own engine). Empty: derived once from Docker's name and engine id and kept in the data directory.",
  },
  agentName: {
    key: 'agent.name',
    env: 'LOGWARDEN_AGENT_NAME',
    default: null as string | null,
    parse: parse.optionalString(),
    doc: "For `logwarden agent`: the host's display name in the UI; empty: Docker's name of the host.",
  },
  fleetHostSilentAfterSeconds: {
    key: 'fleet.host_silent_after_seconds',
    env: 'LOGWARDEN_FLEET_HOST_SILENT_AFTER_SECONDS',
    default: 60,
    parse: parse.integer(20, 86_400),
    doc: 'Scale-out: an agent not heard from for this long (it reports every 15 s) is shown as silent, and a system event says so.',
  },
} satisfies Record<string, KeySpec<unknown>>;

export type ConfigKeys = typeof KEYS;
export type ConfigValues = { [K in keyof ConfigKeys]: ReturnType<ConfigKeys[K]['parse']> };
