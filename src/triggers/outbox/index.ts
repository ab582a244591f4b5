export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';
export { DeliveriesService } from './deliveries.js';
export {
  DeliveryRepository,
  type DeliveryFilter,
  type DeliveryList,
  type DeliveryPage,
} from './delivery-repository.js';
export {
  TriggerDispatcher,
  type DeliveryWaker,
  type EventAppends,
  type Outbox,
  type TriggerSource,
} from './dispatcher.js';
export { DeliveryRetention, type FinishedDeliveries } from './retention.js';
export {
  DeliveryWorker,
  type DeliveryStore,
  type TriggerLookup,
  type WorkerOptions,
} from './worker.js';
