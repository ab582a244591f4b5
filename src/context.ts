import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { stopInOrder, type StopStep } from './stop-in-order.js';
import { buildApp } from './api/build-app.js';
import { createAudit, type Audit } from './audit/index.js';
import { createAuth, type Auth } from './auth/index.js';
import { secretValues, type Config, type Secrets } from './config/index.js';
import { DockerClient, EngineMonitor } from './docker/index.js';
import { createEvents, type Events } from './events/index.js';
import { createFleet, HostRepository, isConnected, type Fleet } from './fleet/index.js';
import { natsSettings } from './nats/index.js';
import {
  createIncidents,
  createSilences,
  type Incidents,
  type Silences,
} from './incidents/index.js';
import { createInventory, type Inventory } from './inventory/index.js';
import { createLogger, subsystemLogger, type Subsystem } from './logger.js';
import { Metrics } from './metrics/index.js';
import { createRules, type Rules } from './rules/index.js';
import { createScanner, type Scanner } from './scanner/index.js';
import { migrateToLatest, openStore, type Store } from './store/index.js';
import { createLogs, type Logs } from './logs/logs-module.js';
import { createStream, type Stream } from './stream/index.js';
import { createTriggers, type Triggers } from './triggers/index.js';
import { VERSION } from './version.js';

/**
 * How long a replica's claim on a delivery lasts without renewal: past every channel's
 * timeout, so only a replica that stopped loses its claim.
 */
const DELIVERY_LEASE_MS = 60_000;

/** Parts a test may hand in instead of the real ones. */
export interface AppOverrides {
  logger?: Logger;
  store?: Store;
  docker?: DockerClient;
  engineMonitor?: EngineMonitor;
  /** Routes added beside the real ones (tests of the route guard). */
  extraRoutes?: FastifyPluginAsync[];
}

/** The domains, each built by its own factory. */
export interface Parts {
  audit: Audit;
  events: Events;
  inventory: Inventory;
  rules: Rules;
  scanner: Scanner;
  auth: Auth;
  stream: Stream;
  logs: Logs;
  metrics: Metrics;
  triggers: Triggers;
  incidents: Incidents;
  silences: Silences;
  /** The hosts agents report on (multi-host mode); empty in single-host mode. */
  hosts: HostRepository;
}

/**
 * The composition root: the order in which the domains are built, started and
 * stopped. How each is made is its own factory's business; the routes are api/'s.
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
    /** Many hosts (`nats.url` set): this replica's part; null in single-host mode. */
    readonly fleet: Fleet | null,
  ) {}

  static async fromConfig(
    config: Config,
    secrets: Secrets,
    overrides: AppOverrides = {},
  ): Promise<AppContext> {
    const logger = overrides.logger ?? createLogger(config.logLevel);
    const log = (name: Subsystem) => subsystemLogger(logger, name);
    const store =
      overrides.store ??
      openStore({ url: secrets.databaseUrl, dataDir: config.dataDir, log: log('store') });
    const docker = overrides.docker ?? DockerClient.fromConfig(config);
    const engineMonitor = overrides.engineMonitor ?? new EngineMonitor(docker, log('docker'));
    const db = store.db;

    const secretList = secretValues(secrets);
    const audit = createAudit({ log: log('audit'), knownSecrets: () => secretList }, config);
    const journal = audit.journal;
    const metrics = new Metrics({ version: VERSION });
    const events = createEvents(
      {
        db,
        log: log('events'),
        reclaimSpace: (pages) => store.reclaimSpace(pages),
        mergeTextIndex: (pages) => store.mergeTextIndex(pages),
        runAlone: store.runAlone,
      },
      config,
    );
    const inventory = createInventory(
      { db, docker, events: events.log, log: log('inventory'), engine: engineMonitor },
      config,
    );
    const rules = createRules({
      db,
      workloads: inventory.workloadRepository,
      journal,
      log: log('rules'),
    });
    const scanner = createScanner(
      {
        db,
        docker,
        events: events.log,
        rules: rules.snapshots,
        inventory: {
          onChange: (listener) => inventory.index.onChange(listener),
          list: (filter) => inventory.containers.list(filter),
          setLogsAvailable: (id, available) => inventory.containers.setLogsAvailable(id, available),
        },
        log: log('scanner'),
      },
      config,
    );
    const incidents = createIncidents(
      {
        db,
        log: log('incidents'),
        links: { link: (id, ids, tx) => events.repo.linkIncident(id, ids, tx) },
        events: events.log,
        ruleResolveAfter: (ruleId, tx) => rules.repository.resolveAfterSeconds(ruleId, tx),
        // A restart loop records one event, not one per restart: its crash incident
        // stays open while the container keeps exiting, until it has been quiet.
        lastFault: async (incident) =>
          incident.key.startsWith('crash:') && incident.container_id
            ? ((await inventory.containers.get(incident.container_id))?.finished_at ?? null)
            : null,
      },
      config,
    );
    const auth = createAuth({ db, journal, log: log('auth') }, config);
    const stream = createStream(
      {
        bus: events.bus,
        taps: scanner.tails,
        docker,
        inventory: {
          onChange: (listener) => inventory.index.onChange(listener),
          list: () => inventory.containers.list(),
        },
      },
      config,
    );
    const logs = createLogs({ docker });
    const nats = natsSettings(config, secrets);
    // Many hosts: replicas share the outbox, each claims what it sends.
    const replica = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const triggers = await createTriggers(
      {
        db,
        ...(nats ? { deliveryLease: { owner: replica, ms: DELIVERY_LEASE_MS } } : {}),
        runAlone: store.runAlone,
        journal,
        metrics: {
          observe: (channel, outcome, ms) => metrics.deliveryFinished(channel, outcome, ms / 1000),
        },
        names: {
          containerName: async (id) => (await inventory.containers.get(id))?.name ?? null,
          workloadName: async (id) => (await inventory.workloadRepository.get(id))?.name ?? null,
        },
        log: log('triggers'),
      },
      config,
    );
    journal.addKnownSecrets(() => triggers.credentials.values());
    const silences: Silences = createSilences(
      {
        db,
        workloads: {
          workloadName: async (id) => (await inventory.workloadRepository.get(id))?.name ?? null,
        },
        journal,
        log: log('silences'),
        runAlone: store.runAlone,
      },
      config,
    );
    // A silence that ends while an incident it held back is still open: it notifies now.
    silences.service.onEnd(async (silence, tx) =>
      triggers.dispatcher.stageOpened(tx, await incidents.repo.openSilencedBy(silence.id, tx)),
    );

    events.bus.subscribe((event) => metrics.eventRecorded(event.source, event.severity));
    metrics.observeStream(stream.broadcaster);
    metrics.observeJournal(journal);
    metrics.observeStore({
      writable: () => store.writability.state().writable,
      writeFailures: () => store.writability.failureCounts(),
    });
    // Nothing can be recorded while writes fail; when they work again, say what happened.
    store.writability.onResume((outage) => {
      const seconds = Math.round(outage.duration_ms / 100) / 10;
      events.log
        .record({
          source: 'system',
          severity: 'warn',
          message: `database writable again after ${seconds} s (${outage.reason})`,
          metadata: {
            reason: outage.reason,
            since: outage.since,
            duration_ms: outage.duration_ms,
          },
        })
        .catch((err: unknown) =>
          log('store').warn({ err }, 'could not record that writes resumed'),
        );
    });
    metrics.observeScanner({
      counters: () => scanner.engine.counters,
      activeTails: () => scanner.tails.stats().active_tails,
    });

    const hosts = new HostRepository(store.db);
    const parts: Parts = {
      audit,
      events,
      inventory,
      rules,
      scanner,
      auth,
      stream,
      logs,
      metrics,
      triggers,
      incidents,
      silences,
      hosts,
    };
    const fleet = nats
      ? createFleet(
          {
            db,
            events,
            containers: inventory.containers,
            hosts,
            ruleChanges: [rules.service, inventory.workloads],
            log: log('fleet'),
          },
          config,
          nats,
          replica,
        )
      : null;
    if (fleet) {
      const silentAfterMs = config.fleetHostSilentAfterSeconds * 1000;
      metrics.observeFleet({
        counters: () => fleet.counters(),
        hosts: async () => {
          const now = Date.now();
          return (await hosts.list()).map((h) => ({
            ...h,
            connected: isConnected(h, silentAfterMs, now),
          }));
        },
      });
    }
    const server = await buildApp(
      { ...parts, database: store, engine: engineMonitor, fleet },
      { config, logger: log('api'), extraRoutes: overrides.extraRoutes },
    );
    return new AppContext(config, logger, store, docker, engineMonitor, parts, server, fleet);
  }

  /** Migrates, starts the background parts and listens. Docker being down is not fatal. */
  async start(): Promise<void> {
    const { audit, auth, rules, triggers, incidents, events, inventory, scanner, silences } =
      this.parts;
    const replay = await audit.start();
    this.logger.debug({ journal: replay }, 'journal replayed');
    const applied = await migrateToLatest(this.store);
    if (applied.applied.length > 0)
      this.logger.info({ migrations: applied.applied }, 'database migrated');
    this.store.writability.startProbing(() => this.store.probeWrite());
    await auth.start();
    const snapshot = await rules.start();
    this.logger.info(
      { rules: snapshot.ruleCount, compile_errors: snapshot.compileErrors.length },
      'rules loaded',
    );
    // Before any producer starts, so no event is recorded unmarked, without its incident
    // or without the triggers listening. The order in each append is explicit: the
    // silences mark the rows before they are written; the incident tracker joins the
    // event log's transaction, and the dispatcher joins THROUGH the tracker, so it stages
    // each event knowing what it did to its incident (opened, joined, resolved).
    await silences.start(events.log);
    incidents.start(events.log);
    await triggers.start(incidents.tracker, incidents.sweep);
    if (this.fleet) {
      // Agents watch every engine, this host's included: replicas sharing one database
      // would each record the same lines of an engine of their own.
      this.fleet.start();
    } else {
      await this.engineMonitor.start();
      await inventory.start();
      await scanner.start();
    }
    events.start();
    await this.server.listen({ host: this.config.listen.host, port: this.config.listen.port });
    this.started = true;
    audit.journal.record({
      actor: 'system',
      action: 'logwarden.start',
      success: true,
      source: 'system',
      details: { version: VERSION, address: this.url(), pid: process.pid },
    });
    this.logger.info(
      {
        address: this.url(),
        database: this.store.location,
        version: VERSION,
        ...(this.fleet ? { replica: this.fleet.replica } : {}),
      },
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
    const { audit, scanner, inventory, events, incidents, triggers, silences } = this.parts;
    if (this.started)
      audit.journal.record({
        actor: 'system',
        action: 'logwarden.stop',
        success: true,
        source: 'system',
        details: { version: VERSION, pid: process.pid },
      });
    const steps: StopStep[] = [
      ['server', () => this.server.close()],
      ['fleet', () => this.fleet?.stop()],
      ['scanner', () => scanner.stop()],
      ['inventory', () => inventory.stop()],
      ['events', () => events.stop()],
      ['incidents', () => incidents.stop()],
      ['triggers', () => triggers.stop()],
      ['silences', () => silences.stop()],
      ['engine monitor', () => this.engineMonitor.stop()],
      ['docker client', () => this.docker.close()],
      ['journal', () => audit.stop()],
      ['database probe', () => this.store.writability.stopProbing()],
      ['database', () => this.store.destroy()],
    ];
    try {
      await stopInOrder(steps, this.logger);
    } finally {
      if (this.started) this.logger.info('logwarden stopped');
      this.started = false;
    }
  }
}
