export { ScanEngine, type ScanCounters, type ScanEngineOptions, type Hit } from './scan-engine.js';
export {
  StreamPosition,
  resumeSince,
  type ResumeCursor,
  type StreamCursors,
} from './resume-cursor.js';
export { CursorRepository } from './cursor-repository.js';
export { WatermarkRepository, type WatchHistory } from './watermark-repository.js';
export { startWithoutCursor, type StartReason, type TailStart } from './start-policy.js';
export {
  Tail,
  type BatchSink,
  type LineListener,
  type RulesView,
  type TailBatch,
  type LinePlace,
  type TailDocker,
  type TailState,
  type TailTarget,
} from './tail.js';
export {
  TailManager,
  type ScannerStats,
  type StallProbe,
  type TailInventory,
  type TailManagerOptions,
  type WatchRecord,
} from './tail-manager.js';
export { engineStallProbe } from './stall-probe.js';
export { eventBatchSink, type EventBatchWriter } from './batch-sink.js';
export { createScanner, type Scanner, type ScannerDeps } from './scanner-module.js';
