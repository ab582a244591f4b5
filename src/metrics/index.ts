export {
  Metrics,
  type JournalReadings,
  type MetricsOptions,
  type ScannerReadings,
  type StoreReadings,
  type StreamReadings,
} from './metrics.js';
