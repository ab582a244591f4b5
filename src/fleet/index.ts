export * from './messages.js';
export { HostRepository, type Host, type HostReport } from './host-repository.js';
export { HostSilenceCheck, type HostSilenceOptions } from './host-silence.js';
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
