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
export { IncidentSweep, type SweepHook, type SweepReport } from './sweep.js';
export {
  IncidentsService,
  INCIDENT_RECENT_EVENTS,
  type IncidentDetail,
  type IncidentEventReader,
} from './service.js';
export { createIncidents, type Incidents, type IncidentsDeps } from './incidents-module.js';
