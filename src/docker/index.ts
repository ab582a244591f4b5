export { DockerClient, CLIENT_API_VERSION, type DockerClientOptions } from './client.js';
export type { DockerEndpoint } from './transport.js';
export { EngineMonitor, type EngineStatus, type EngineVersionSource } from './engine-monitor.js';
export {
  FrameDemuxer,
  MAX_FRAME_BYTES,
  type DemuxMode,
  type FramePiece,
  type LogStreamName,
} from './frame-demuxer.js';
export { LineAssembler, MAX_LINE_BYTES, logLine, type LogLine } from './line-assembler.js';
export { NdjsonSplitter, MAX_EVENT_BYTES } from './ndjson.js';
export {
  joinNanos,
  parseTimestampNanos,
  sinceParam,
  splitNanos,
  TimestampReader,
} from './timestamp.js';
export type * from './types.js';
