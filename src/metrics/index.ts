export {
  Metrics,
  type JournalReadings,
  type MetricsOptions,
  type ScannerReadings,
  type StreamReadings,
} from './metrics.js';
