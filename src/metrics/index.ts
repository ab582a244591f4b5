export {
  Metrics,
  MAX_HOST_SERIES,
  type FleetReadings,
  type JournalReadings,
  type MetricsOptions,
  type ScannerReadings,
  type StoreReadings,
  type StreamReadings,
} from './metrics.js';
