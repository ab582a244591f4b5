import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { httpMetricsHook } from './api/http-metrics.js';
import { journalHook } from './api/journal-hook.js';
import { auditRoutes } from './api/routes/audit.js';
import { eventsRoutes } from './api/routes/events.js';
import { healthRoutes } from './api/routes/health.js';
import { inventoryRoutes } from './api/routes/inventory.js';
import { metricsRoutes } from './api/routes/metrics.js';
import { rulesRoutes } from './api/routes/rules.js';
import { scannerRoutes } from './api/routes/scanner.js';
import { authRoutes } from './api/routes/auth.js';
import { credentialAuthenticator } from './api/credentials.js';
import { streamRevalidator } from './api/stream-access.js';
import { eventFrame, streamRoutes } from './api/routes/stream.js';
import { triggersRoutes } from './api/routes/triggers.js';
import { settingsRoutes } from './api/routes/settings.js';
import { webUiRoutes } from './api/routes/web-ui.js';
import { buildServer } from './api/server.js';
import { BUILT_UI_DIR } from './api/web-assets.js';
import { AuthService, FirstRun } from './auth/index.js';
import { JournalFiles, JournalRetention, OperationJournal, type Journal } from './audit/index.js';
import { shownSettings, type Config, type Secrets } from './config/index.js';
import { DockerClient } from './docker/index.js';
import { EngineMonitor } from './docker/engine-monitor.js';
import { isAppError } from './errors.js';
import {
  EventBus,
  EventLog,
  EventRepository,
  EventRetention,
  type StoredEvent,
} from './events/index.js';
import {
  ContainerIndex,
  ContainerRepository,
  DockerEventsFollower,
  InventoryMonitor,
  WorkloadRepository,
  Workloads,
  resyncIntervalMs,
} from './inventory/index.js';
import { createLogger, subsystemLogger } from './logger.js';
import { Metrics } from './metrics/index.js';
import { RuleRepository, RuleSnapshotHolder, RulesService } from './rules/index.js';
import {
  CursorRepository,
  ScanEngine,
  TailManager,
  engineStallProbe,
  eventBatchSink,
} from './scanner/index.js';
import { migrateToLatest, openStore, type Store } from './store/index.js';
import { Broadcaster, ContainerLogFeed, EventStreamer } from './stream/index.js';
import {
  DEFAULT_RETRY,
  DeliveriesService,
  DeliveryRepository,
  DeliveryRetention,
  DeliveryWorker,
  KnownCredentials,
  type DeliveryJournal,
  type DeniedAddress,
  type DeliveryMetrics,
  SafeHttp,
  TriggerDispatcher,
  TriggerRepository,
  TriggersService,
  channelFactory,
  dockerHostDenials,
  systemLookup,
  type NameDirectory,
} from './triggers/index.js';
import { VERSION } from './version.js';

/** Parts a test may hand in instead of the real ones. */
export interface AppOverrides {
  logger?: Logger;
  store?: Store;
  docker?: DockerClient;
  engineMonitor?: EngineMonitor;
  /** Routes added beside the real ones (tests of the route guard). */
  extraRoutes?: FastifyPluginAsync[];
}

/** The domains, built and wired; each is started and stopped by AppContext. */
interface Parts {
  events: { bus: EventBus; log: EventLog; retention: EventRetention };
  inventory: {
    containers: ContainerRepository;
    workloads: Workloads;
    index: ContainerIndex;
    monitor: InventoryMonitor;
  };
  rules: { service: RulesService; snapshots: RuleSnapshotHolder };
  scanner: { engine: ScanEngine; tails: TailManager };
  auth: { service: AuthService; firstRun: FirstRun };
  stream: { broadcaster: Broadcaster<StoredEvent> };
  /** The operations journal: hand `journal` (a Journal) to whatever records operations. */
  audit: { journal: OperationJournal; retention: JournalRetention };
  metrics: Metrics;
  triggers: {
    service: TriggersService;
    deliveries: DeliveriesService;
    dispatcher: TriggerDispatcher;
    worker: DeliveryWorker;
    retention: DeliveryRetention;
    http: SafeHttp;
    /** Every stored credential, for the journal to keep out. */
    credentials: KnownCredentials;
  };
}

/** Values the journal must never write, wherever they would appear. */
function knownSecrets(secrets: Secrets): string[] {
  const out: string[] = [];
  if (secrets.databaseUrl) {
    out.push(secrets.databaseUrl);
    try {
      const password = decodeURIComponent(new URL(secrets.databaseUrl).password);
      if (password) out.push(password);
    } catch {
      // not a URL with a password
    }
  }
  return out;
}

/**
 * The composition root: every part is built here from the configuration, and only
 * here do the real implementations meet the interfaces the domains declare.
 */
export class AppContext {
  private started = false;

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly store: Store,
    readonly docker: DockerClient,
    readonly engineMonitor: EngineMonitor,
    readonly parts: Parts,
    readonly server: FastifyInstance,
  ) {}

  static async fromConfig(
    config: Config,
    secrets: Secrets,
    overrides: AppOverrides = {},
  ): Promise<AppContext> {
    const logger = overrides.logger ?? createLogger(config.logLevel);
    const store =
      overrides.store ?? openStore({ url: secrets.databaseUrl, dataDir: config.dataDir });
    const docker =
      overrides.docker ??
      new DockerClient(
        {
          host: config.dockerHost,
          tlsVerify: config.dockerTlsVerify,
          certPath: config.dockerCertPath,
        },
        { apiVersion: config.dockerApiVersion ?? undefined },
      );
    const engineMonitor =
      overrides.engineMonitor ?? new EngineMonitor(docker, subsystemLogger(logger, 'docker'));

    const eventsLog = subsystemLogger(logger, 'events');
    const bus = new EventBus((err) => eventsLog.error({ err }, 'event subscriber failed'));
    const eventRepository = new EventRepository(store.db);
    const events = {
      bus,
      log: new EventLog(store.db, eventRepository, bus),
      retention: new EventRetention(eventRepository, eventsLog, {
        retentionDays: config.eventsRetentionDays,
        retentionRows: config.eventsRetentionRows,
      }),
    };

    const auditLog = subsystemLogger(logger, 'audit');
    const journalFiles = new JournalFiles(join(config.dataDir, 'audit'));
    const secretValues = knownSecrets(secrets);
    const audit = {
      journal: new OperationJournal({
        files: journalFiles,
        knownSecrets: () => secretValues,
        log: auditLog,
      }),
      retention: new JournalRetention(journalFiles, config.auditRetentionDays, auditLog),
    };
    const journal = audit.journal;

    const metrics = new Metrics({ version: VERSION });
    bus.subscribe((event) => metrics.eventRecorded(event.source, event.severity));
    const broadcaster = new Broadcaster<StoredEvent>({
      historySize: config.streamHistorySize,
      queueSize: config.streamQueueSize,
    });
    bus.subscribe((event) => broadcaster.publish(event));
    metrics.observeStream(broadcaster);
    metrics.observeJournal(journal);

    const inventoryLog = subsystemLogger(logger, 'inventory');
    const containers = new ContainerRepository(store.db);
    const workloadRepository = new WorkloadRepository(store.db);
    const index = new ContainerIndex({
      docker,
      containers,
      workloads: workloadRepository,
      events: events.log,
      log: inventoryLog,
      options: {
        composeDiscovery: config.inventoryComposeDiscovery,
        restartLoopCount: config.restartLoopCount,
        restartLoopWindowMs: config.restartLoopWindowSeconds * 1000,
      },
    });
    const inventory = {
      containers,
      workloads: new Workloads(workloadRepository),
      index,
      monitor: new InventoryMonitor(
        index,
        new DockerEventsFollower(docker, index, inventoryLog),
        inventoryLog,
        resyncIntervalMs(config.inventoryResyncSeconds),
      ),
    };

    const rulesLog = subsystemLogger(logger, 'rules');
    const ruleRepository = new RuleRepository(store.db);
    const snapshots = new RuleSnapshotHolder(ruleRepository, { log: rulesLog });
    snapshots.onReload((snapshot) =>
      journal.record({
        actor: 'system',
        action: 'rules.reload',
        object: `snapshot:${snapshot.version}`,
        success: snapshot.compileErrors.length === 0,
        error_code: snapshot.compileErrors.length === 0 ? null : 'RULE_INVALID_PATTERN',
        source: 'rules',
        details: { rules: snapshot.ruleCount, compile_errors: snapshot.compileErrors },
      }),
    );
    const rules = {
      snapshots,
      service: new RulesService({
        repo: ruleRepository,
        workloads: workloadRepository,
        // A reload that fails (the database) is journaled; successful ones by onReload.
        snapshots: {
          reload: () =>
            snapshots.reload().catch((err: unknown) => {
              journal.record({
                actor: 'system',
                action: 'rules.reload',
                success: false,
                error_code: isAppError(err) ? err.code : 'INTERNAL',
                source: 'rules',
                details: { message: (err as Error).message },
              });
              throw err;
            }),
        },
        log: rulesLog,
      }),
    };

    const engine = new ScanEngine({
      ratePerSecond: config.scannerRatePerSecond,
      burst: config.scannerBurst,
    });
    const scanner = {
      engine,
      tails: new TailManager({
        docker: {
          logs: (id, options) => docker.logs(id, options),
          ...engineStallProbe(docker),
        },
        sink: eventBatchSink(events.log, new CursorRepository(store.db)),
        rules: snapshots,
        engine,
        inventory: {
          onChange: (listener) => index.onChange(listener),
          list: (filter) => containers.list(filter),
          setLogsAvailable: (id, available) => containers.setLogsAvailable(id, available),
        },
        cursors: new CursorRepository(store.db),
        log: subsystemLogger(logger, 'scanner'),
        options: { initialTailLines: config.scannerInitialTailLines },
      }),
    };
    metrics.observeScanner({
      counters: () => engine.counters,
      activeTails: () => scanner.tails.stats().active_tails,
    });

    const authLog = subsystemLogger(logger, 'auth');
    const authService = AuthService.forDatabase(store.db, {
      journal,
      log: authLog,
      options: {
        sessionIdleMs: config.authSessionIdleHours * 3_600_000,
        sessionAbsoluteMs: config.authSessionAbsoluteDays * 86_400_000,
      },
    });
    const auth = {
      service: authService,
      firstRun: new FirstRun(authService, config.dataDir, authLog, journal),
    };

    const triggers = buildTriggers(
      config,
      logger,
      store,
      journal,
      metrics,
      {
        containerName: async (id) => (await containers.get(id))?.name ?? null,
        workloadName: async (id) => (await workloadRepository.get(id))?.name ?? null,
      },
      await dockerHostTargets(config.dockerHost, subsystemLogger(logger, 'triggers')),
    );
    audit.journal.addKnownSecrets(() => triggers.credentials.values());

    const authenticator = credentialAuthenticator(auth.service);
    const server = await buildServer({
      logger: subsystemLogger(logger, 'api'),
      authenticator,
      publicUrl: config.publicUrl,
      trustedProxies: config.trustedProxies,
      routes: [
        // Hooks over every route: register before the route modules.
        journalHook(journal),
        httpMetricsHook(metrics),
        healthRoutes({ database: store, engine: engineMonitor, version: VERSION }),
        inventoryRoutes({ containers, workloads: inventory.workloads }),
        eventsRoutes({ events: events.log }),
        rulesRoutes({ rules: rules.service }),
        scannerRoutes({ scanner: scanner.tails, rules: snapshots }),
        authRoutes({
          auth: auth.service,
          firstRun: auth.firstRun,
          cookie: { alwaysSecure: config.authCookieSecure },
          publicUrl: config.publicUrl,
        }),
        streamRoutes({
          events: new EventStreamer({ broadcaster, history: events.log, toFrame: eventFrame }),
          logs: new ContainerLogFeed({
            taps: scanner.tails,
            docker: { logs: (id, options) => docker.logs(id, options) },
            queueSize: config.streamQueueSize,
            maxFollows: config.streamMaxLogFollows,
          }),
          containers,
          revalidate: streamRevalidator(authenticator),
          maxPerUser: config.streamMaxPerUser,
        }),
        auditRoutes({ journal }),
        metricsRoutes({ metrics }),
        triggersRoutes({ triggers: triggers.service, deliveries: triggers.deliveries }),
        settingsRoutes({ settings: () => shownSettings(config) }),
        ...(overrides.extraRoutes ?? []),
        // Its catch-all answers only the GET paths no API route claims.
        webUiRoutes({ dir: BUILT_UI_DIR, log: subsystemLogger(logger, 'api') }),
      ],
    });
    return new AppContext(
      config,
      logger,
      store,
      docker,
      engineMonitor,
      {
        events,
        inventory,
        rules,
        scanner,
        auth,
        stream: { broadcaster },
        audit,
        metrics,
        triggers,
      },
      server,
    );
  }

  /** Migrates, starts the background parts and listens. Docker being down is not fatal. */
  async start(): Promise<void> {
    const replay = await this.parts.audit.journal.replay();
    this.logger.debug({ journal: replay }, 'journal replayed');
    this.parts.audit.retention.start();
    const applied = await migrateToLatest(this.store);
    if (applied.applied.length > 0)
      this.logger.info({ migrations: applied.applied }, 'database migrated');
    await this.parts.auth.firstRun.prepare();
    await this.parts.auth.service.pruneSessions();
    const snapshot = await this.parts.rules.snapshots.reload();
    this.logger.info(
      { rules: snapshot.ruleCount, compile_errors: snapshot.compileErrors.length },
      'rules loaded',
    );
    await this.parts.triggers.credentials.load();
    // Before any producer starts, so no event is published without the triggers
    // listening; the worker then sends whatever the outbox held from the last run.
    await this.parts.triggers.dispatcher.start(this.parts.events.log);
    this.parts.triggers.worker.start();
    this.parts.triggers.retention.start();
    this.logger.info({ triggers: this.parts.triggers.dispatcher.triggerCount }, 'triggers loaded');
    await this.engineMonitor.start();
    await this.parts.inventory.monitor.start();
    await this.parts.scanner.tails.start();
    this.parts.events.retention.start();
    await this.server.listen({ host: this.config.listen.host, port: this.config.listen.port });
    this.started = true;
    this.parts.audit.journal.record({
      actor: 'system',
      action: 'logwarden.start',
      success: true,
      source: 'system',
      details: { version: VERSION, address: this.url(), pid: process.pid },
    });
    this.logger.info(
      { address: this.url(), database: this.store.location, version: VERSION },
      'logwarden started',
    );
  }

  /** The base URL the server listens on (after start). */
  url(): string {
    const address = this.server.addresses()[0];
    if (!address) throw new Error('server is not listening');
    if (typeof address === 'string') return address;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Stops everything in reverse order of dependence: the server first (no new work),
   * the database last. A failing step is logged and never skips the steps after it.
   */
  async destroy(): Promise<void> {
    const { journal, retention } = this.parts.audit;
    if (this.started)
      journal.record({
        actor: 'system',
        action: 'logwarden.stop',
        success: true,
        source: 'system',
        details: { version: VERSION, pid: process.pid },
      });
    const steps: [string, () => unknown][] = [
      ['server', () => this.server.close()],
      ['scanner', () => this.parts.scanner.tails.stop()],
      ['inventory', () => this.parts.inventory.monitor.stop()],
      ['event retention', () => this.parts.events.retention.stop()],
      ['trigger dispatcher', () => this.parts.triggers.dispatcher.stop()],
      ['delivery worker', () => this.parts.triggers.worker.stop()],
      ['delivery retention', () => this.parts.triggers.retention.stop()],
      ['outgoing http', () => this.parts.triggers.http.close()],
      ['engine monitor', () => this.engineMonitor.stop()],
      ['docker client', () => this.docker.close()],
      [
        'journal',
        () => {
          retention.stop();
          journal.close();
        },
      ],
      ['database', () => this.store.destroy()],
    ];
    const failures: unknown[] = [];
    for (const [name, stop] of steps) {
      try {
        await stop();
      } catch (err) {
        failures.push(err);
        this.logger.error({ err, part: name }, 'stopping failed');
      }
    }
    if (this.started) this.logger.info('logwarden stopped');
    this.started = false;
    if (failures.length > 0) throw new AggregateError(failures, 'some parts failed to stop');
  }
}

/**
 * The Docker host's addresses when its Engine API is reached over the network, so no
 * notification can be aimed at it. Resolved once, here; a name that does not resolve
 * now is reported and left off (deny_private or a firewall must then cover it).
 */
async function dockerHostTargets(dockerHost: string, log: Logger): Promise<DeniedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('resolving the docker host timed out')), 5_000);
  });
  try {
    const denied = await Promise.race([dockerHostDenials(dockerHost, systemLookup), timeout]);
    if (denied.length > 0)
      log.info({ addresses: denied.map((d) => d.address) }, 'docker host denied as a target');
    return denied;
  } catch (err) {
    log.warn({ err }, 'cannot resolve the docker host: notifications are not kept from it');
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Triggers: the dispatcher writes the outbox, the worker sends from it through the
 * SSRF-safe client (which also refuses the `denied` addresses); outcomes reach the
 * operations journal and metrics through DeliveryJournal and DeliveryMetrics.
 */
function buildTriggers(
  config: Config,
  logger: Logger,
  store: Store,
  operations: Journal,
  metrics: Metrics,
  names: NameDirectory,
  denied: readonly DeniedAddress[],
): Parts['triggers'] {
  const log = subsystemLogger(logger, 'triggers');
  const http = new SafeHttp(
    { denyPrivate: config.webhookDenyPrivate, allowLoopback: config.webhookAllowLoopback },
    { denied },
  );
  if (config.webhookAllowLoopback)
    log.warn('webhook.allow_loopback is on: notifications may reach this host (testing only)');
  const repo = new TriggerRepository(store.db);
  const credentials = new KnownCredentials(repo);
  const outbox = new DeliveryRepository(store.db);
  const channels = channelFactory({ http, addresses: http, userAgent: `Logwarden/${VERSION}` });
  const journal: DeliveryJournal = {
    record: (entry) =>
      operations.record({
        source: 'triggers',
        actor: 'system',
        action: entry.action,
        object: `trigger:${entry.trigger_id}`,
        success:
          entry.action === 'delivery.sent' ||
          (entry.action === 'trigger.test' && entry.error === null),
        error_code: entry.error === null ? null : `HTTP_${entry.status_code ?? 'ERROR'}`,
        details: { ...entry },
      }),
  };
  const deliveryMetrics: DeliveryMetrics = {
    observe: (channel, outcome, latencyMs) =>
      metrics.deliveryFinished(channel, outcome, latencyMs / 1000),
  };
  const worker: DeliveryWorker = new DeliveryWorker({
    store: outbox,
    triggers: {
      get: (id) => repo.get(id),
      // The service is built below; a 410 only comes once the worker runs.
      disable: (id: number, reason: string): Promise<void> => service.disable(id, reason),
    },
    channels,
    names,
    journal,
    metrics: deliveryMetrics,
    log,
    options: {
      concurrency: config.triggersConcurrency,
      retry: {
        ...DEFAULT_RETRY,
        maxAttempts: config.triggersMaxAttempts,
        baseMs: config.triggersRetryBaseSeconds * 1000,
      },
    },
  });
  const dispatcher: TriggerDispatcher = new TriggerDispatcher({
    triggers: repo,
    outbox,
    worker,
    log,
  });
  const service: TriggersService = new TriggersService({
    repo,
    targets: http,
    channels,
    names,
    dispatcher,
    journal,
    credentials,
    log,
  });
  const deliveries = new DeliveriesService({ repo: outbox, triggers: repo, worker });
  const retention = new DeliveryRetention(outbox, log, {
    retentionDays: config.eventsRetentionDays,
  });
  return { service, deliveries, dispatcher, worker, retention, http, credentials };
}
