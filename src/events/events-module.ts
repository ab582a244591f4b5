import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database, RunAlone } from '../store/index.js';
import { EventBus } from './bus.js';
import { EventRepository } from './repository.js';
import { EventRetention } from './retention.js';
import { EventLog } from './service.js';
import { TextIndexMerger, type MergeTextIndexStep } from './text-index-merger.js';

export interface EventsDeps {
  db: Kysely<Database>;
  log: Logger;
  /** Hands pages freed by pruning back to the file system (Store.reclaimSpace). */
  reclaimSpace?: (maxPages: number) => Promise<number>;
  /** One step of merging the text index (Store.mergeTextIndex); none: nothing merges it. */
  mergeTextIndex?: MergeTextIndexStep;
  /** Replicas on one database: one prunes at a time (Store.runAlone). */
  runAlone?: RunAlone;
}

export interface Events {
  bus: EventBus;
  /** Table access (the incident tracker records each event's incident through it). */
  repo: EventRepository;
  log: EventLog;
  retention: EventRetention;
  textIndex: TextIndexMerger | null;
  start(): void;
  stop(): Promise<void>;
}

/** The event log, its bus, its retention and the upkeep of its text index. */
export function createEvents(deps: EventsDeps, config: Config): Events {
  const bus = new EventBus((err) => deps.log.error({ err }, 'event subscriber failed'));
  const repo = new EventRepository(deps.db);
  const log = new EventLog(deps.db, repo, bus);
  const retention = new EventRetention(repo, deps.log, {
    retentionDays: config.eventsRetentionDays,
    retentionRows: config.eventsRetentionRows,
    beforeDelete: log.beforePrune,
    reclaimSpace: deps.reclaimSpace,
    runAlone: deps.runAlone,
  });
  const textIndex = deps.mergeTextIndex ? new TextIndexMerger(deps.mergeTextIndex, deps.log) : null;
  return {
    bus,
    repo,
    log,
    retention,
    textIndex,
    start: () => {
      retention.start();
      textIndex?.start();
    },
    stop: async () => {
      await Promise.all([retention.stop(), textIndex?.stop()]);
    },
  };
}
