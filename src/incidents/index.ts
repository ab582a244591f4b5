export * from './silence-model.js';
export * from './silence-validation.js';
export { SilenceSnapshot, type SilenceFacts, type SilenceNames } from './silence-matcher.js';
export {
  SilenceRepository,
  type SilenceFilter,
  type SilenceList,
  type SilencePage,
} from './silence-repository.js';
export { SilenceRetention } from './silence-retention.js';
export { SilencesService, type SilenceEndHook, type WorkloadNames } from './silence-service.js';
export {
  createSilences,
  SILENCE_TICK_MS,
  type EventMarks,
  type Silences,
  type SilencesDeps,
} from './silences-module.js';
