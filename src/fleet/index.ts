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
