import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { stopInOrder, type StopStep } from '../stop-in-order.js';
import type { Config } from '../config/index.js';
import { DockerClient, EngineMonitor } from '../docker/index.js';
import { createInventory, type Inventory } from '../inventory/index.js';
import { createLogger, subsystemLogger, type Subsystem } from '../logger.js';
import { JetStreamPublisher, NatsLink, type NatsConfig, type NatsSecrets } from '../nats/index.js';
import { RuleRepository, RuleSnapshotHolder, RulesService } from '../rules/index.js';
import { createScanner, type Scanner } from '../scanner/index.js';
import { migrateToLatest, openStore, type Store } from '../store/index.js';
import { VERSION } from '../version.js';
import { createAgent, type Agent, type AgentTimings } from './agent.js';
import { AgentStateRepository } from './agent-state.js';
import { resolveHostIdentity, type HostIdentity } from './host-identity.js';
import { natsRuleSetFeed } from './rule-set-bucket.js';
import { RuleSetFollower } from './rule-set-follower.js';
import { LocalRuleSetStore } from './rule-set-store.js';
import { natsCoreLink } from './live-relay.js';
import { LogFollowServer } from './log-follow-server.js';

/** What makes this process an agent (keys `agent.*` and `nats.*` once wired). */
export interface AgentSettings {
  /** `agent.host_id`; null: derived from the engine once and kept. */
  hostId: string | null;
  /** `agent.name`, shown for the host; null: the engine's name. */
  name: string | null;
  nats: { config: NatsConfig; secrets: NatsSecrets };
}

export interface AgentOverrides {
  logger?: Logger;
  docker?: DockerClient;
  timings?: AgentTimings;
  /** NATS client bounds (tests make them short). */
  natsLink?: { reconnectWaitMs?: number; connectTimeoutMs?: number };
  publishTimeoutMs?: number;
}

export interface AgentParts {
  inventory: Inventory;
  /** Live log follows the replicas ask for, for viewers of this host's containers. */
  follows: LogFollowServer;
  scanner: Scanner;
  rules: {
    repository: RuleRepository;
    snapshots: RuleSnapshotHolder;
    service: RulesService;
    /** The rule set from the server's KV bucket, kept in the local store. */
    follower: RuleSetFollower;
  };
  agent: Agent;
}

/**
 * The agent's composition root: one Docker engine's inventory and scanner on a local
 * SQLite, publishing to NATS JetStream instead of an event log. No HTTP server, no
 * auth, no triggers: those are the server's.
 */
export class AgentContext {
  private started = false;

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    readonly store: Store,
    readonly docker: DockerClient,
    readonly engineMonitor: EngineMonitor,
    readonly identity: HostIdentity,
    readonly nats: NatsLink,
    readonly publisher: JetStreamPublisher,
    readonly parts: AgentParts,
  ) {}

  /**
   * Opens the local store and learns the host identity from the engine (which must be
   * reachable: a host id cannot be checked without it), then builds the parts.
   */
  static async fromConfig(
    config: Config,
    settings: AgentSettings,
    overrides: AgentOverrides = {},
  ): Promise<AgentContext> {
    const logger = overrides.logger ?? createLogger(config.logLevel);
    const log = (name: Subsystem) => subsystemLogger(logger, name);
    // Always SQLite in the data directory: `database.url` is the server's.
    const store = openStore({ url: null, dataDir: config.dataDir, log: log('store') });
    const docker = overrides.docker ?? DockerClient.fromConfig(config);
    try {
      const applied = await migrateToLatest(store);
      if (applied.applied.length > 0)
        logger.info({ migrations: applied.applied }, 'agent store migrated');
      const engine = await docker.info();
      const identity = await resolveHostIdentity(
        new AgentStateRepository(store.db),
        engine,
        settings.hostId,
      );
      return AgentContext.build(config, settings, overrides, logger, store, docker, identity, {
        name: settings.name ?? engine.Name,
        version: engine.ServerVersion,
      });
    } catch (err) {
      await docker.close().catch(() => undefined);
      await store.destroy().catch(() => undefined);
      throw err;
    }
  }

  private static build(
    config: Config,
    settings: AgentSettings,
    overrides: AgentOverrides,
    logger: Logger,
    store: Store,
    docker: DockerClient,
    identity: HostIdentity,
    engine: { name: string; version: string },
  ): AgentContext {
    const log = (name: Subsystem) => subsystemLogger(logger, name);
    const db = store.db;
    const engineMonitor = new EngineMonitor(docker, log('docker'));
    const sender = { host: identity.hostId, agent: randomUUID() };
    const nats = new NatsLink(settings.nats.config, settings.nats.secrets, {
      name: `logwarden-agent ${identity.hostId}`,
      log: log('fleet'),
      // The agent's NATS user may be allowed only its own inboxes.
      inboxPrefix: `_INBOX_${identity.hostId}`,
      ...overrides.natsLink,
    });
    const publisher = new JetStreamPublisher(nats, { timeoutMs: overrides.publishTimeoutMs });
    let inventory: Inventory | null = null;
    const repository = new RuleRepository(db);
    const snapshots = new RuleSnapshotHolder(repository, { log: log('rules') });
    const follower = new RuleSetFollower(
      natsRuleSetFeed(() => nats.start()),
      new LocalRuleSetStore(db),
      snapshots,
      { log: log('rules') },
    );
    const agent = createAgent(
      {
        db,
        publisher,
        sender,
        storeEpoch: identity.storeEpoch,
        inventory: {
          onChange: (listener) => inventory!.index.onChange(listener),
          list: () => inventory!.containers.list(),
        },
        status: {
          name: engine.name,
          agentVersion: VERSION,
          ruleRevision: () => follower.revision(),
          docker: () => {
            const status = engineMonitor.status();
            return {
              engine_id: identity.engineId,
              version: status.version ?? engine.version,
              reachable: status.reachable,
            };
          },
          containers: async () => (await inventory!.containers.list({})).length,
        },
        log: log('fleet'),
      },
      overrides.timings,
    );
    inventory = createInventory(
      { db, docker, events: agent.recorder, log: log('inventory'), engine: engineMonitor },
      config,
    );
    const service = new RulesService({
      repo: repository,
      workloads: inventory.workloadRepository,
      snapshots,
      log: log('rules'),
    });
    const ready = inventory;
    const scanner = createScanner(
      {
        db,
        docker,
        events: agent.writer,
        rules: snapshots,
        inventory: {
          onChange: (listener) => ready.index.onChange(listener),
          list: (filter) => ready.containers.list(filter),
          setLogsAvailable: (id, available) => ready.containers.setLogsAvailable(id, available),
        },
        log: log('scanner'),
      },
      config,
    );
    const follows = new LogFollowServer(
      identity.hostId,
      docker,
      { tty: async (id) => (await ready.containers.get(id))?.tty ?? null },
      log('fleet'),
      { maxFollows: config.streamMaxLogFollows },
    );
    return new AgentContext(
      config,
      logger,
      store,
      docker,
      engineMonitor,
      identity,
      nats,
      publisher,
      {
        inventory,
        scanner,
        rules: { repository, snapshots, service, follower },
        agent,
        follows,
      },
    );
  }

  /**
   * Starts publishing. NATS need not be up: until it is (and until a server created
   * the stream), publishes fail, tails hold their cursors and the outbox keeps its rows.
   */
  async start(): Promise<void> {
    const { inventory, scanner, rules, agent, follows } = this.parts;
    // Subscriptions outlive reconnects: the follow requests are heard once connected.
    void this.nats
      .start()
      .then((nc) => follows.start(natsCoreLink(nc)))
      .catch(() => undefined);
    await this.engineMonitor.start();
    // The set kept from the last run first: matching starts before NATS is reachable.
    await rules.follower.start();
    const snapshot = rules.snapshots.current();
    this.logger.info(
      { rules: snapshot.ruleCount, rule_revision: rules.follower.revision() },
      'rules loaded',
    );
    agent.start();
    await inventory.start();
    await scanner.start();
    this.started = true;
    this.logger.info(
      {
        host: this.identity.hostId,
        engine: this.identity.engineId,
        database: this.store.location,
        version: VERSION,
      },
      'logwarden agent started',
    );
  }

  /**
   * Stops in reverse order of dependence: the tails first (their last batches are
   * published and their cursors saved while NATS is still there), the store last.
   */
  async destroy(): Promise<void> {
    const { inventory, scanner, agent } = this.parts;
    const steps: StopStep[] = [
      ['log follows', () => this.parts.follows.stop()],
      ['scanner', () => scanner.stop()],
      ['inventory', () => inventory.stop()],
      ['agent', () => agent.stop()],
      ['rules', () => this.parts.rules.follower.stop()],
      ['nats', () => this.nats.close()],
      ['engine monitor', () => this.engineMonitor.stop()],
      ['docker client', () => this.docker.close()],
      ['database', () => this.store.destroy()],
    ];
    try {
      await stopInOrder(steps, this.logger);
    } finally {
      if (this.started) this.logger.info('logwarden agent stopped');
      this.started = false;
    }
  }
}
