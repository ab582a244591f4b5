export * from './model.js';
export {
  IncidentRepository,
  type IncidentFilter,
  type IncidentList,
  type IncidentPage,
} from './repository.js';
export {
  IncidentTracker,
  type EventAppendSource,
  type EventIncidentLinks,
  type QuietPeriods,
  type TrackedAppendHook,
} from './tracker.js';
export {
  IncidentSweep,
  type LastFault,
  type SweepHook,
  type SweepReport,
  type SweptIncident,
} from './sweep.js';
export {
  IncidentsService,
  INCIDENT_RECENT_EVENTS,
  type IncidentDetail,
  type IncidentEventReader,
} from './service.js';
export { createIncidents, type Incidents, type IncidentsDeps } from './incidents-module.js';
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
