export * from './model.js';
export {
  ContainerRepository,
  type ContainerFilter,
  type HostedContainer,
  type ObservedOutcome,
  type SnapshotOutcome,
} from './container-repository.js';
export { WorkloadRepository } from './workload-repository.js';
export { Workloads, WorkloadResolver, slugify } from './workloads.js';
export {
  ContainerIndex,
  type ContainerIndexOptions,
  type EventRecorder,
  type InventoryDocker,
  type LifecycleMemoryStore,
  type SyncReport,
} from './container-index.js';
export {
  DockerEventsFollower,
  type EngineHealthCheck,
  type EventsSource,
  type EventsTarget,
} from './events-follower.js';
export { InventoryMonitor, resyncIntervalMs } from './inventory.js';
export { LifecycleTracker, type ContainerMemory, type LifecycleOutcome } from './lifecycle.js';
export { LifecycleRepository } from './lifecycle-repository.js';
export { createInventory, type Inventory, type InventoryDeps } from './inventory-module.js';
