export {
  NATS_KEYS,
  natsKeyProblems,
  natsSecretValues,
  natsSettings,
  type NatsConfig,
  type NatsSecrets,
  type NatsValues,
} from './config.js';
export {
  NatsLink,
  isAuthError,
  natsConnectOptions,
  type NatsLinkOptions,
  type NatsState,
  type NatsStatus,
} from './connection.js';
export {
  DEFAULT_CONSUMER_SETTINGS,
  DEFAULT_STREAM_SETTINGS,
  consumerConfig,
  ensureConsumer,
  ensureStream,
  streamConfig,
  type ConsumerSettings,
  type SetupOutcome,
  type StreamSettings,
} from './setup.js';
export {
  JetStreamPublisher,
  NatsPublishError,
  type PublishAck,
  type PublishFailure,
  type PublisherCounters,
  type PublisherLink,
  type PublisherOptions,
} from './publisher.js';
export * from './subjects.js';
