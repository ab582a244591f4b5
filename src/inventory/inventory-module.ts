import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { DockerClient } from '../docker/index.js';
import type { Database } from '../store/index.js';
import { ContainerIndex, type EventRecorder } from './container-index.js';
import { ContainerRepository } from './container-repository.js';
import { DockerEventsFollower, type EngineHealthCheck } from './events-follower.js';
import { InventoryMonitor, resyncIntervalMs } from './inventory.js';
import { LifecycleRepository } from './lifecycle-repository.js';
import { WorkloadRepository } from './workload-repository.js';
import { Workloads } from './workloads.js';

export interface InventoryDeps {
  db: Kysely<Database>;
  docker: DockerClient;
  /** Where lifecycle events (crash, OOM, restart loop…) are recorded. */
  events: EventRecorder;
  log: Logger;
  /** Told at once when the events stream breaks or a pass cannot reach Docker. */
  engine?: EngineHealthCheck;
}

export interface Inventory {
  containers: ContainerRepository;
  workloadRepository: WorkloadRepository;
  workloads: Workloads;
  index: ContainerIndex;
  monitor: InventoryMonitor;
  /** A first full pass, then the Docker events stream and the periodic resync. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The containers and workloads index, kept in step with one Docker engine. */
export function createInventory(deps: InventoryDeps, config: Config): Inventory {
  const containers = new ContainerRepository(deps.db);
  const workloadRepository = new WorkloadRepository(deps.db);
  const index = new ContainerIndex({
    docker: deps.docker,
    containers,
    workloads: workloadRepository,
    events: deps.events,
    log: deps.log,
    lifecycleMemory: new LifecycleRepository(deps.db),
    options: {
      composeDiscovery: config.inventoryComposeDiscovery,
      restartLoopCount: config.restartLoopCount,
      restartLoopWindowMs: config.restartLoopWindowSeconds * 1000,
    },
  });
  const monitor = new InventoryMonitor(
    index,
    new DockerEventsFollower(deps.docker, index, deps.log, { engine: deps.engine }),
    deps.log,
    resyncIntervalMs(config.inventoryResyncSeconds),
    deps.engine,
  );
  return {
    containers,
    workloadRepository,
    workloads: new Workloads(workloadRepository),
    index,
    monitor,
    start: () => monitor.start(),
    stop: () => monitor.stop(),
  };
}
