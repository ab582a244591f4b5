import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Journal } from '../audit/model.js';
import type { Config } from '../config/index.js';
import type { Database, RunAlone } from '../store/index.js';
import { VERSION } from '../version.js';
import { channelFactory } from './channels/index.js';
import { DeliveriesService } from './outbox/deliveries.js';
import { DeliveryRepository, type DeliveryLease } from './outbox/delivery-repository.js';
import { TriggerDispatcher, type EventAppends, type IncidentSweeps } from './outbox/dispatcher.js';
import { journalDeliveries, type DeliveryMetrics } from './journal.js';
import { KnownCredentials } from './known-credentials.js';
import type { NameDirectory } from './channels/payload.js';
import { TriggerRepository } from './repository.js';
import { DeliveryRetention } from './outbox/retention.js';
import { SafeHttp, resolveDockerHostDenials } from '../egress/index.js';
import { TriggersService } from './service.js';
import { DEFAULT_RETRY } from './outbox/backoff.js';
import { DeliveryWorker } from './outbox/worker.js';

export interface TriggersDeps {
  db: Kysely<Database>;
  /** The operations journal, where delivery outcomes are recorded. */
  journal: Journal;
  metrics: DeliveryMetrics;
  names: NameDirectory;
  log: Logger;
  /** Replicas sharing the outbox claim what they send (many hosts); absent: one sender. */
  deliveryLease?: DeliveryLease;
  /** Replicas on one database: one prunes at a time (Store.runAlone). */
  runAlone?: RunAlone;
}

export interface Triggers {
  service: TriggersService;
  deliveries: DeliveriesService;
  dispatcher: TriggerDispatcher;
  worker: DeliveryWorker;
  retention: DeliveryRetention;
  http: SafeHttp;
  /** Every stored credential, for the journal to keep out. */
  credentials: KnownCredentials;
  /**
   * Loads the triggers and starts sending. Call before any producer starts, so no
   * event is recorded without the dispatcher listening; the worker then sends whatever
   * the outbox held from the last run.
   */
  start(events: EventAppends, sweeps?: IncidentSweeps): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Triggers: the dispatcher writes the outbox in the event's transaction, the worker
 * sends from it through the SSRF-safe client, which also refuses the Docker host's
 * own addresses; outcomes reach the journal and the metrics.
 */
export async function createTriggers(deps: TriggersDeps, config: Config): Promise<Triggers> {
  const { log } = deps;
  const http = new SafeHttp(
    { denyPrivate: config.webhookDenyPrivate, allowLoopback: config.webhookAllowLoopback },
    { denied: await resolveDockerHostDenials(config.dockerHost, log) },
  );
  if (config.webhookAllowLoopback)
    log.warn('webhook.allow_loopback is on: notifications may reach this host (testing only)');
  const repo = new TriggerRepository(deps.db);
  const credentials = new KnownCredentials(repo);
  const outbox = new DeliveryRepository(deps.db, deps.deliveryLease ?? null);
  const channels = channelFactory({ http, addresses: http, userAgent: `Logwarden/${VERSION}` });
  const journal = journalDeliveries(deps.journal);
  const worker: DeliveryWorker = new DeliveryWorker({
    store: outbox,
    triggers: {
      get: (id) => repo.get(id),
      // The service is built below; a 410 only comes once the worker runs.
      disable: (id: number, reason: string): Promise<void> => service.disable(id, reason),
    },
    channels,
    names: deps.names,
    journal,
    metrics: deps.metrics,
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
  const dispatcher = new TriggerDispatcher({ triggers: repo, outbox, worker, log });
  const service: TriggersService = new TriggersService({
    repo,
    targets: http,
    channels,
    names: deps.names,
    dispatcher,
    journal,
    credentials,
    log,
  });
  const deliveries = new DeliveriesService({ repo: outbox, triggers: repo, worker });
  const retention = new DeliveryRetention(outbox, log, {
    retentionDays: config.eventsRetentionDays,
    runAlone: deps.runAlone,
  });
  return {
    service,
    deliveries,
    dispatcher,
    worker,
    retention,
    http,
    credentials,
    async start(events, sweeps) {
      await credentials.load();
      await dispatcher.start(events, sweeps);
      worker.start();
      retention.start();
      log.info({ triggers: dispatcher.triggerCount }, 'triggers loaded');
    },
    async stop() {
      await dispatcher.stop();
      await worker.stop();
      await retention.stop();
      await http.close();
    },
  };
}
