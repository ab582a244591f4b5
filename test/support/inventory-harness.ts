import { pino } from 'pino';
import { DockerClient } from '../../src/docker/index.js';
import type { NewEvent } from '../../src/events/model.js';
import {
  ContainerIndex,
  ContainerRepository,
  DockerEventsFollower,
  LifecycleRepository,
  WorkloadRepository,
  type ContainerChange,
} from '../../src/inventory/index.js';
import type { Store } from '../../src/store/index.js';

/** The inventory wired to a real engine, with the lifecycle events it records kept in memory. */
export function inventoryHarness(store: Store, host: string) {
  const docker = new DockerClient({ host });
  const containers = new ContainerRepository(store.db);
  const workloads = new WorkloadRepository(store.db);
  const recorded: NewEvent[] = [];
  const changes: ContainerChange[] = [];
  const log = pino({ level: process.env.LOGWARDEN_TEST_LOG ?? 'silent' });
  const index = new ContainerIndex({
    docker,
    containers,
    workloads,
    events: { record: async (e: NewEvent) => recorded.push(e) },
    log,
    lifecycleMemory: new LifecycleRepository(store.db),
    options: { composeDiscovery: true, restartLoopCount: 3, restartLoopWindowMs: 300_000 },
  });
  index.onChange((c) => changes.push(c));
  const follower = new DockerEventsFollower(docker, index, log, {
    minBackoffMs: 100,
    maxBackoffMs: 500,
  });
  return {
    docker,
    containers,
    workloads,
    index,
    follower,
    recorded,
    changes,
    eventsFor: (id: string) => recorded.filter((e) => e.container_id === id),
    async close() {
      await follower.stop();
      await docker.close();
    },
  };
}
