import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database } from '../store/index.js';
import { EventBus } from './bus.js';
import { EventRepository } from './repository.js';
import { EventRetention } from './retention.js';
import { EventLog } from './service.js';

export interface EventsDeps {
  db: Kysely<Database>;
  log: Logger;
  /** Hands pages freed by pruning back to the file system (Store.reclaimSpace). */
  reclaimSpace?: (maxPages: number) => Promise<number>;
}

export interface Events {
  bus: EventBus;
  /** Table access (the incident tracker records each event's incident through it). */
  repo: EventRepository;
  log: EventLog;
  retention: EventRetention;
  start(): void;
  stop(): Promise<void>;
}

/** The event log, its bus and its retention. */
export function createEvents(deps: EventsDeps, config: Config): Events {
  const bus = new EventBus((err) => deps.log.error({ err }, 'event subscriber failed'));
  const repo = new EventRepository(deps.db);
  const log = new EventLog(deps.db, repo, bus);
  const retention = new EventRetention(repo, deps.log, {
    retentionDays: config.eventsRetentionDays,
    retentionRows: config.eventsRetentionRows,
    beforeDelete: log.beforePrune,
    reclaimSpace: deps.reclaimSpace,
  });
  return {
    bus,
    repo,
    log,
    retention,
    start: () => retention.start(),
    stop: () => retention.stop(),
  };
}
