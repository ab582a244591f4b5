import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { eventsRoutes } from './api/routes/events.js';
import { healthRoutes } from './api/routes/health.js';
import { inventoryRoutes } from './api/routes/inventory.js';
import { rulesRoutes } from './api/routes/rules.js';
import { scannerRoutes } from './api/routes/scanner.js';
import { settingsRoutes } from './api/routes/settings.js';
import { webUiRoutes } from './api/routes/web-ui.js';
import { buildServer } from './api/server.js';
import { BUILT_UI_DIR } from './api/web-assets.js';
import { shownSettings, type Config, type Secrets } from './config/index.js';
import { DockerClient } from './docker/index.js';
import { EngineMonitor } from './docker/engine-monitor.js';
import { EventBus, EventLog, EventRepository, EventRetention } from './events/index.js';
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
import { RuleRepository, RuleSnapshotHolder, RulesService } from './rules/index.js';
import {
  CursorRepository,
  ScanEngine,
  TailManager,
  engineStallProbe,
  eventBatchSink,
} from './scanner/index.js';
import { migrateToLatest, openStore, type Store } from './store/index.js';
import { VERSION } from './version.js';

/** Parts a test may hand in instead of the real ones. */
export interface AppOverrides {
  logger?: Logger;
  store?: Store;
  docker?: DockerClient;
  engineMonitor?: EngineMonitor;
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
    const rules = {
      snapshots,
      service: new RulesService({
        repo: ruleRepository,
        workloads: workloadRepository,
        snapshots,
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

    const server = await buildServer({
      logger: subsystemLogger(logger, 'api'),
      // TEMPORARY until src/auth lands in this same change: everyone is admin.
      authenticator: {
        authenticate: async () => ({
          via: 'token',
          user_id: null,
          name: 'anonymous',
          role: 'admin',
          scope: 'full',
        }),
      },
      publicUrl: config.publicUrl,
      routes: [
        healthRoutes({ database: store, engine: engineMonitor, version: VERSION }),
        inventoryRoutes({ containers, workloads: inventory.workloads }),
        eventsRoutes({ events: events.log }),
        rulesRoutes({ rules: rules.service }),
        scannerRoutes({ scanner: scanner.tails, rules: snapshots }),
        settingsRoutes({ settings: () => shownSettings(config) }),
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
      { events, inventory, rules, scanner },
      server,
    );
  }

  /** Migrates, starts the background parts and listens. Docker being down is not fatal. */
  async start(): Promise<void> {
    const applied = await migrateToLatest(this.store);
    if (applied.applied.length > 0)
      this.logger.info({ migrations: applied.applied }, 'database migrated');
    const snapshot = await this.parts.rules.snapshots.reload();
    this.logger.info(
      { rules: snapshot.ruleCount, compile_errors: snapshot.compileErrors.length },
      'rules loaded',
    );
    await this.engineMonitor.start();
    await this.parts.inventory.monitor.start();
    await this.parts.scanner.tails.start();
    this.parts.events.retention.start();
    await this.server.listen({ host: this.config.listen.host, port: this.config.listen.port });
    this.started = true;
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
    const steps: [string, () => unknown][] = [
      ['server', () => this.server.close()],
      ['scanner', () => this.parts.scanner.tails.stop()],
      ['inventory', () => this.parts.inventory.monitor.stop()],
      ['event retention', () => this.parts.events.retention.stop()],
      ['engine monitor', () => this.engineMonitor.stop()],
      ['docker client', () => this.docker.close()],
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
