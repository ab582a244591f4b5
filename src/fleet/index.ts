export { createAgent, type Agent, type AgentDeps, type AgentTimings } from './agent.js';
export {
  AgentContext,
  type AgentOverrides,
  type AgentParts,
  type AgentSettings,
} from './agent-context.js';
export { AgentStateRepository } from './agent-state.js';
export {
  deriveHostId,
  resolveHostIdentity,
  type AgentStateStore,
  type EngineIdentity,
  type HostIdentity,
} from './host-identity.js';
export {
  InventoryPublisher,
  SNAPSHOT_PART_BYTES,
  splitParts,
  type InventorySource,
} from './inventory-publisher.js';
export * from './messages.js';
export { OutboxDrainer, type OutboxDrainerOptions, type OutboxQueue } from './outbox-drainer.js';
export { OutboxEventRecorder, OutboxRepository, type OutboxEntry } from './outbox.js';
export { PublishingBatchWriter, type FireRecorder } from './publishing-batch-writer.js';
export { StatusReporter, type StatusFacts } from './status-reporter.js';
export { encodeRuleSet, parseRuleSet, ruleSetRevision, type RuleSetValue } from './rule-set.js';
export {
  RuleSetPublisher,
  type PublishOutcome,
  type RuleChanges,
  type RuleSetBucket,
  type RuleSetPublisherOptions,
  type RuleSetSource,
} from './rule-set-publisher.js';
export {
  RuleSetFollower,
  type RuleSetFeed,
  type RuleSetFollowerCounters,
  type RuleSetFollowerOptions,
  type RuleSetStore,
  type SnapshotReloader,
} from './rule-set-follower.js';
export { databaseRuleSetSource } from './rule-set-source.js';
export { LocalRuleSetStore, RULE_REVISION_KEY } from './rule-set-store.js';
export {
  natsReconnects,
  natsRuleSetBucket,
  natsRuleSetFeed,
  type ConnectionSource,
  type LinkStatus,
} from './rule-set-bucket.js';
export { HostRepository, isConnected, type Host, type HostReport } from './host-repository.js';
export { HostChecks, type HostChecksOptions } from './host-checks.js';
export {
  createFleetConsumer,
  type CommittedEvents,
  type FleetConsumer,
  type FleetConsumerCounters,
  type FleetConsumerDeps,
  type FleetConsumerSettings,
  type FleetEvent,
} from './consumer.js';
export { LiveEventRelay, natsCoreLink, type CoreLink, type LocalEvents } from './live-relay.js';
export { SnapshotAssembler, type CompleteSnapshot } from './snapshot-assembler.js';
export { createFleet, type Fleet, type FleetDeps } from './fleet-module.js';
