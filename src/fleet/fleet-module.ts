import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { EventBus, EventLog, EventRepository } from '../events/index.js';
import type { ContainerRepository } from '../inventory/index.js';
import { NatsLink, type NatsConfig, type NatsSecrets, type NatsStatus } from '../nats/index.js';
import { sleep } from '../sleep.js';
import type { Database } from '../store/index.js';
import { createFleetConsumer, type FleetConsumer, type FleetConsumerCounters } from './consumer.js';
import type { HostRepository } from './host-repository.js';
import { HostChecks } from './host-checks.js';
import { LiveEventRelay, natsCoreLink } from './live-relay.js';
import { RemoteLogFeed } from './remote-log-feed.js';
import { natsReconnects, natsRuleSetBucket } from './rule-set-bucket.js';
import { RuleSetPublisher, type RuleChanges } from './rule-set-publisher.js';
import { databaseRuleSetSource } from './rule-set-source.js';

/** Between attempts to set the stream and consumer up. */
const SETUP_RETRY_MS = 10_000;

export interface FleetDeps {
  db: Kysely<Database>;
  events: { log: EventLog; repo: EventRepository; bus: EventBus };
  containers: ContainerRepository;
  hosts: HostRepository;
  /** What changes the published rule set: the rules service and the workloads. */
  ruleChanges: readonly RuleChanges[];
  log: Logger;
}

export interface Fleet {
  /** This replica, as leases and logs name it. */
  readonly replica: string;
  status(): NatsStatus;
  /** The consumer's counters since start (zeros until it runs). */
  counters(): FleetConsumerCounters;
  /** Live logs of containers on agents' hosts, followed over NATS. */
  logs: RemoteLogFeed;
  start(): void;
  stop(): Promise<void>;
}

/**
 * A `serve` replica's part in many hosts: consumes what agents publish, tells the other
 * replicas what it committed, publishes the rule set to the agents and says when an
 * agent goes silent. NATS may be down at start: the parts that need a connection start
 * once the first one is made (the HTTP server does not wait for it).
 */
export function createFleet(
  deps: FleetDeps,
  config: Config,
  nats: { config: NatsConfig; secrets: NatsSecrets },
  replica: string,
): Fleet {
  const { log } = deps;
  const link = new NatsLink(nats.config, nats.secrets, { name: `logwarden-serve ${replica}`, log });
  const hostChecks = new HostChecks(deps.hosts, deps.events.log, log, {
    silentAfterMs: config.fleetHostSilentAfterSeconds * 1000,
  });
  const rules = new RuleSetPublisher(
    natsRuleSetBucket(() => link.start()),
    databaseRuleSetSource(deps.db),
    { log },
  );
  let consumer: FleetConsumer | null = null;
  let relay: LiveEventRelay | null = null;
  let stopped = false;
  const stopping = new AbortController();
  let consuming: Promise<void> | null = null;

  /**
   * Until stop(): connect, set the stream and the consumer up, consume. A failed setup (a
   * stream whose limits an operator changed, JetStream not ready yet) is said and tried
   * again, never left as a replica that silently consumes nothing.
   */
  const consume = async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        const nc = await link.start();
        if (stopped) return;
        relay = new LiveEventRelay(natsCoreLink(nc), deps.events.bus, log);
        relay.start();
        consumer = createFleetConsumer({
          nc,
          events: deps.events.log,
          hits: deps.events.repo,
          containers: deps.containers,
          hosts: deps.hosts,
          relay,
          log,
        });
        await consumer.start();
        return;
      } catch (err) {
        relay?.stop();
        relay = null;
        consumer = null;
        if (stopped) return;
        log.error(
          { err, retry_in_ms: SETUP_RETRY_MS },
          'cannot consume from NATS: agents are not heard until this works',
        );
        await sleep(SETUP_RETRY_MS, stopping.signal);
      }
    }
  };

  return {
    replica,
    status: () => link.status(),
    logs: new RemoteLogFeed(() => (link.nc && !link.nc.isClosed() ? natsCoreLink(link.nc) : null)),
    counters: () =>
      consumer?.counters ?? {
        handled: 0,
        invalid: 0,
        retried: 0,
        orphanContexts: 0,
        containerClashes: 0,
      },
    start() {
      hostChecks.start();
      rules.start([...deps.ruleChanges, natsReconnects(link)]);
      consuming = consume();
    },
    async stop() {
      stopped = true;
      stopping.abort();
      await consumer?.stop();
      relay?.stop();
      // Before the parts that may wait on a connection never made (a first connect that
      // is still being tried): closing ends their wait.
      await link.close();
      await rules.stop();
      await hostChecks.stop();
      await consuming;
    },
  };
}
