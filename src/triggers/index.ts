export * from './model.js';
export * from './outbox/index.js';
export {
  channelFactory,
  type Channel,
  type ChannelFactory,
  type SendOutcome,
} from './channels/index.js';
export { NO_NAMES, type DeliveryPayload, type NameDirectory } from './channels/payload.js';
export {
  NO_JOURNAL,
  NO_METRICS,
  type DeliveryJournal,
  type DeliveryJournalEntry,
  type DeliveryMetrics,
  type DeliveryOutcomeKind,
  journalDeliveries,
} from './journal.js';
export { KnownCredentials, type CredentialRegistry } from './known-credentials.js';
export { credentialsOf, publicTrigger, redactChannel, type PublicTrigger } from './redact.js';
export { TriggerRepository } from './repository.js';
export {
  TriggersService,
  type CreatedTrigger,
  type TargetChecker,
  type TestSendResult,
  type TriggersReloader,
} from './service.js';
export { createTriggers, type Triggers, type TriggersDeps } from './triggers-module.js';
