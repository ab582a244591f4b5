import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { DockerClient } from '../docker/index.js';
import type { Database } from '../store/index.js';
import { eventBatchSink, type EventBatchWriter } from './batch-sink.js';
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
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One tail per running container, matching every line against the rule snapshot. */
export function createScanner(deps: ScannerDeps, config: Config): Scanner {
  const engine = new ScanEngine({
    ratePerSecond: config.scannerRatePerSecond,
    burst: config.scannerBurst,
  });
  const cursors = new CursorRepository(deps.db);
  const tails = new TailManager({
    docker: {
      logBatches: (id, options) => deps.docker.logBatches(id, options),
      ...engineStallProbe(deps.docker),
    },
    sink: eventBatchSink(deps.events, cursors),
    rules: deps.rules,
    engine,
    inventory: deps.inventory,
    cursors,
    watermark: new WatermarkRepository(deps.db),
    log: deps.log,
    options: { initialTailLines: config.scannerInitialTailLines },
  });
  return { engine, tails, start: () => tails.start(), stop: () => tails.stop() };
}
