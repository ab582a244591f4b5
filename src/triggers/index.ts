export * from './model.js';
export {
  DEFAULT_POLICY,
  INTERNAL_SERVICES,
  refusalReason,
  type AddressPolicy,
  type DeniedAddress,
} from './address-policy.js';
export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './backoff.js';
export {
  channelFactory,
  type Channel,
  type ChannelFactory,
  type SendOutcome,
} from './channels/index.js';
export { DeliveriesService } from './deliveries.js';
export {
  DeliveryRepository,
  type DeliveryFilter,
  type DeliveryList,
  type DeliveryPage,
} from './delivery-repository.js';
export { dockerHostDenials } from './docker-host.js';
export {
  TriggerDispatcher,
  type DeliveryWaker,
  type EventAppends,
  type Outbox,
  type TriggerSource,
} from './dispatcher.js';
export {
  NO_JOURNAL,
  NO_METRICS,
  type DeliveryJournal,
  type DeliveryJournalEntry,
  type DeliveryMetrics,
  type DeliveryOutcomeKind,
} from './journal.js';
export { KnownCredentials, type CredentialRegistry } from './known-credentials.js';
export { NO_NAMES, type DeliveryPayload, type NameDirectory } from './payload.js';
export { credentialsOf, publicTrigger, redactChannel, type PublicTrigger } from './redact.js';
export { TriggerRepository } from './repository.js';
export { DeliveryRetention, type FinishedDeliveries } from './retention.js';
export { OutgoingRequestError, SafeHttp, systemLookup, type Lookup } from './safe-http.js';
export {
  TriggersService,
  type CreatedTrigger,
  type TargetChecker,
  type TestSendResult,
  type TriggersReloader,
} from './service.js';
export {
  DeliveryWorker,
  type DeliveryStore,
  type TriggerLookup,
  type WorkerOptions,
} from './worker.js';
