export { ScanEngine, type ScanCounters, type ScanEngineOptions, type Hit } from './scan-engine.js';
export {
  StreamPosition,
  resumeSince,
  type ResumeCursor,
  type StreamCursors,
} from './resume-cursor.js';
export { CursorRepository } from './cursor-repository.js';
export {
  Tail,
  type BatchSink,
  type LineListener,
  type RulesView,
  type TailBatch,
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
} from './tail-manager.js';
export { engineStallProbe } from './stall-probe.js';
export { eventBatchSink, type EventBatchWriter } from './batch-sink.js';
export { createScanner, type Scanner, type ScannerDeps } from './scanner-module.js';
