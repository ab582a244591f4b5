import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Audit } from '../audit/index.js';
import type { Auth } from '../auth/index.js';
import { shownSettings, type Config } from '../config/index.js';
import type { NatsStatus } from '../nats/index.js';
import type { EngineStatus } from '../docker/index.js';
import type { Events } from '../events/index.js';
import type { Host } from '../fleet/index.js';
import type { Incidents } from '../incidents/index.js';
import type { Inventory } from '../inventory/index.js';
import type { Logs } from '../logs/logs-module.js';
import type { Metrics } from '../metrics/index.js';
import type { Rules } from '../rules/index.js';
import type { Scanner } from '../scanner/index.js';
import { EventStreamer, logsByHost, type LogOpener, type Stream } from '../stream/index.js';
import type { Triggers } from '../triggers/index.js';
import type { Silences } from '../incidents/index.js';
import { VERSION } from '../version.js';
import { credentialAuthenticator } from './credentials.js';
import { httpMetricsHook } from './http-metrics.js';
import { journalHook } from './journal-hook.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { eventsRoutes } from './routes/events.js';
import { incidentsRoutes } from './routes/incidents.js';
import { hostsRoutes } from './routes/hosts.js';
import { healthRoutes, type HealthDeps } from './routes/health.js';
import { inventoryRoutes } from './routes/inventory.js';
import { logsRoutes } from './routes/logs.js';
import { metricsRoutes } from './routes/metrics.js';
import { rulesRoutes } from './routes/rules.js';
import { scannerRoutes } from './routes/scanner.js';
import { settingsRoutes } from './routes/settings.js';
import { silencesRoutes } from './routes/silences.js';
import { eventFrame, streamRoutes } from './routes/stream.js';
import { triggersRoutes } from './routes/triggers.js';
import { webUiRoutes } from './routes/web-ui.js';
import { buildServer } from './server.js';
import { streamRevalidator } from './stream-access.js';
import { BUILT_UI_DIR } from './web-assets.js';

/** The built domains the HTTP API serves. */
export interface ApiParts {
  database: HealthDeps['database'];
  engine: { status(): EngineStatus };
  /** Many hosts: this replica's part (its NATS connection); null in single-host mode. */
  fleet?: { status(): NatsStatus; logs: LogOpener } | null;
  events: Events;
  inventory: Inventory;
  rules: Rules;
  scanner: Scanner;
  auth: Auth;
  audit: Audit;
  metrics: Metrics;
  triggers: Triggers;
  incidents: Incidents;
  silences: Silences;
  stream: Stream;
  logs: Logs;
  hosts: { list(): Promise<Host[]> };
}

export interface ApiOptions {
  config: Config;
  logger: Logger;
  /** Routes added beside the real ones (tests of the route guard). */
  extraRoutes?: FastifyPluginAsync[];
}

/** The Fastify app: every route module, behind the access guard, over the built parts. */
export function buildApp(parts: ApiParts, options: ApiOptions): Promise<FastifyInstance> {
  const { config, logger } = options;
  const journal = parts.audit.journal;
  const authenticator = credentialAuthenticator(parts.auth.service);
  const policy = parts.auth.logAccess;
  return buildServer({
    logger,
    authenticator,
    policy,
    publicUrl: config.publicUrl,
    trustedProxies: config.trustedProxies,
    routes: [
      // Hooks over every route: register before the route modules.
      journalHook(journal),
      httpMetricsHook(parts.metrics),
      healthRoutes({
        database: parts.database,
        engine: parts.engine,
        nats: parts.fleet,
        version: VERSION,
      }),
      inventoryRoutes({
        containers: parts.inventory.containers,
        workloads: parts.inventory.workloads,
      }),
      eventsRoutes({ events: parts.events.log, containers: parts.inventory.containers, policy }),
      incidentsRoutes({
        incidents: parts.incidents.service,
        containers: parts.inventory.containers,
        policy,
      }),
      rulesRoutes({ rules: parts.rules.service }),
      scannerRoutes({ scanner: parts.scanner.tails, rules: parts.rules.snapshots }),
      authRoutes({
        auth: parts.auth.service,
        firstRun: parts.auth.firstRun,
        cookie: { alwaysSecure: config.authCookieSecure },
        publicUrl: config.publicUrl,
        policy,
      }),
      streamRoutes({
        events: new EventStreamer({
          broadcaster: parts.stream.broadcaster,
          history: parts.events.log,
          toFrame: eventFrame,
        }),
        logs: logsByHost(parts.stream.logs, parts.fleet?.logs ?? null),
        policy,
        containers: parts.inventory.containers,
        inventory: {
          stream: (writer, frames) => parts.stream.inventory.stream(writer, frames),
          goneHideAfterSeconds: config.uiGoneContainersHideAfterSeconds,
        },
        revalidate: streamRevalidator(authenticator, policy),
        maxPerUser: config.streamMaxPerUser,
      }),
      logsRoutes({
        search: parts.logs.search,
        containers: parts.inventory.containers,
        workloads: parts.inventory.workloads,
      }),
      auditRoutes({ journal }),
      metricsRoutes({ metrics: parts.metrics }),
      triggersRoutes({
        triggers: parts.triggers.service,
        deliveries: parts.triggers.deliveries,
      }),
      silencesRoutes({ silences: parts.silences.service }),
      hostsRoutes({
        hosts: parts.hosts,
        rules: parts.rules.repository,
        silentAfterMs: config.fleetHostSilentAfterSeconds * 1000,
      }),
      settingsRoutes({
        // An unset auth.viewers_read_logs shows the install's default in effect.
        settings: () => shownSettings({ ...config, authViewersReadLogs: policy.viewersReadLogs() }),
      }),
      ...(options.extraRoutes ?? []),
      // Its catch-all answers only the GET paths no API route claims.
      webUiRoutes({ dir: BUILT_UI_DIR, log: logger }),
    ],
  });
}
