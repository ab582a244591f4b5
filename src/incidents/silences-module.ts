import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Journal } from '../audit/model.js';
import type { Config } from '../config/index.js';
import type { MarkHook } from '../events/service.js';
import { PeriodicTask } from '../periodic-task.js';
import type { Database, RunAlone } from '../store/index.js';
import { SilenceRepository } from './silence-repository.js';
import { SilenceRetention } from './silence-retention.js';
import { SilencesService, type WorkloadNames } from './silence-service.js';

/** How often silences are re-read (other replicas' changes) and ended ones handled. */
export const SILENCE_TICK_MS = 2_000;

export interface SilencesDeps {
  db: Kysely<Database>;
  workloads: WorkloadNames;
  journal: Journal;
  log: Logger;
  /** Defaults to the machine's host name. */
  localHost?: string;
  /** Replicas on one database: one prunes at a time (Store.runAlone). */
  runAlone?: RunAlone;
}

/** The event log, as the silences mark what it appends. */
export interface EventMarks {
  markBeforeAppend(hook: MarkHook): () => void;
}

export interface Silences {
  service: SilencesService;
  retention: SilenceRetention;
  /** Loads the silences and marks every event appended from now on: before producers start. */
  start(events: EventMarks): Promise<void>;
  stop(): Promise<void>;
}

export function createSilences(deps: SilencesDeps, config: Config): Silences {
  const repo = new SilenceRepository(deps.db);
  const service = new SilencesService({
    repo,
    workloads: deps.workloads,
    journal: deps.journal,
    log: deps.log,
    localHost: deps.localHost ?? hostname(),
  });
  const retention = new SilenceRetention(repo, deps.log, {
    retentionDays: config.silencesRetentionDays,
    runAlone: deps.runAlone,
  });
  const tick = new PeriodicTask(
    async () => {
      await service.reload();
      await service.releaseEnded();
    },
    { name: 'silence upkeep', intervalMs: SILENCE_TICK_MS, log: deps.log, runAtStart: false },
  );
  let detach: (() => void) | null = null;
  return {
    service,
    retention,
    async start(events) {
      await service.reload();
      detach ??= events.markBeforeAppend(service.mark);
      tick.start();
      retention.start();
    },
    async stop() {
      detach?.();
      detach = null;
      await tick.stop();
      await retention.stop();
    },
  };
}
