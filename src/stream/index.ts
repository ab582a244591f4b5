export {
  Broadcaster,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_QUEUE_SIZE,
  type BroadcasterOptions,
  type BroadcasterStats,
  type SubscribeOptions,
  type Subscription,
} from './broadcaster.js';
export { BoundedQueue } from './bounded-queue.js';
export { Slots } from './slots.js';
export { compileFilter, type EventPredicate, type StreamFilter } from './filter.js';
export {
  DEFAULT_HEARTBEAT_MS,
  SseWriter,
  formatFrame,
  type SseFrame,
  type SseSink,
  type SseWriterOptions,
} from './sse-writer.js';
export {
  EventStreamer,
  type EventFrame,
  type EventHistory,
  type EventStreamRequest,
} from './event-stream.js';
export {
  ContainerLogFeed,
  DEFAULT_MAX_FOLLOWS,
  lineFrame,
  liveLine,
  logsByHost,
  type LogOpener,
  type LineListener,
  type LogSession,
  type LineTaps,
  type LiveLogLine,
  type LogReader,
  type LogTarget,
} from './log-feed.js';
export {
  InventoryFeed,
  type InventoryFeedItem,
  type InventoryFrames,
  type InventorySource,
} from './inventory-feed.js';
export { createStream, type Stream, type StreamDeps } from './stream-module.js';
