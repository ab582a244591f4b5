export * from './model.js';
export { EventBus, type EventListener } from './bus.js';
export { storableText, truncateMessage } from './message.js';
export {
  EventRepository,
  type EventFilter,
  type EventList,
  type EventPage,
  type ContextUpdate,
  type EventRow,
  type PruneHook,
} from './repository.js';
export {
  EventLog,
  type ContextHook,
  type EventSink,
  type LocalEvent,
  type MarkHook,
} from './service.js';
export { capContext, contextLine, parseContext } from './context.js';
export { EventRetention, type PruneReport, type RetentionOptions } from './retention.js';
export { createEvents, type Events, type EventsDeps } from './events-module.js';
