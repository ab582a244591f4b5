import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { DockerClient } from '../docker/index.js';
import { PeriodicTask } from '../periodic-task.js';
import type { Database } from '../store/index.js';
import { ConditionCommitter, eventBatchSink, type EventBatchWriter } from './batch-sink.js';
import { ConditionTracker, loadConditionState } from './conditions.js';
import { CursorRepository } from './cursor-repository.js';
import { ScanEngine } from './scan-engine.js';
import { engineStallProbe } from './stall-probe.js';
import type { RulesView } from './tail.js';
import { TailManager, type TailInventory } from './tail-manager.js';
import { WatermarkRepository } from './watermark-repository.js';

export interface ScannerDeps {
  db: Kysely<Database>;
  docker: Pick<DockerClient, 'logs' | 'logBatches'>;
  events: EventBatchWriter;
  rules: RulesView;
  inventory: TailInventory;
  log: Logger;
}

export interface Scanner {
  engine: ScanEngine;
  tails: TailManager;
  conditions: ConditionTracker;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How often absences are checked and stale condition state is forgotten. */
const CONDITION_CHECK_MS = 1_000;
/** Fired absences of removed containers are looked for once a minute. */
const PRUNE_EVERY_TICKS = 60;

/** One tail per running container, matching every line against the rule snapshot. */
export function createScanner(deps: ScannerDeps, config: Config): Scanner {
  const engine = new ScanEngine({
    ratePerSecond: config.scannerRatePerSecond,
    burst: config.scannerBurst,
  });
  const conditions = new ConditionTracker(engine.counters);
  const committer = new ConditionCommitter(deps.events, conditions);
  const cursors = new CursorRepository(deps.db);
  const tails = new TailManager({
    docker: {
      logBatches: (id, options) => deps.docker.logBatches(id, options),
      ...engineStallProbe(deps.docker),
    },
    sink: eventBatchSink(deps.events, cursors, Date.now, committer),
    rules: deps.rules,
    engine,
    conditions,
    inventory: deps.inventory,
    cursors,
    watermark: new WatermarkRepository(deps.db),
    log: deps.log,
    options: { initialTailLines: config.scannerInitialTailLines },
  });

  /**
   * Once a second: absences whose window passed fire, and state of quiet keys and of
   * changed rules is forgotten. What that produces is committed here when no tail's
   * commit took it first (an absence is exactly when the tails are quiet).
   */
  let ticks = 0;
  const check = new PeriodicTask(
    async () => {
      const snapshot = deps.rules.current();
      // Before the first load the snapshot is empty: that is no reason to forget state.
      if (snapshot.version === 0) return;
      const now = Date.now();
      const conditionRules = snapshot.conditionRules ?? new Map();
      conditions.sweep(conditionRules, now);
      if ([...conditionRules.values()].some((r) => r.condition?.type === 'absence')) {
        if (++ticks % PRUNE_EVERY_TICKS === 0) {
          const known = new Set((await deps.inventory.list({})).map((c) => c.id));
          conditions.pruneAbsences((id) => known.has(id));
        }
        const running = await deps.inventory.list({ state: 'running' });
        const watched = tails.watched(
          new Set(running.map((c) => c.id)),
          (workloadId) => snapshot.matcherFor(workloadId).absenceRules ?? [],
        );
        conditions.checkAbsence(watched, Date.now());
      }
      if (conditions.hasPending) await committer.commit([]);
    },
    { name: 'condition check', intervalMs: CONDITION_CHECK_MS, log: deps.log, runAtStart: false },
  );

  return {
    engine,
    tails,
    conditions,
    start: async () => {
      conditions.load(await loadConditionState(deps.db));
      await tails.start();
      check.start();
    },
    stop: async () => {
      await check.stop();
      await tails.stop();
      if (conditions.hasPending) await committer.commit([]).catch(() => undefined);
    },
  };
}
