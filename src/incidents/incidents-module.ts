import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database } from '../store/index.js';
import { IncidentRepository } from './repository.js';
import { IncidentsService, type IncidentEventReader } from './service.js';
import { IncidentSweep, type LastFault } from './sweep.js';
import {
  IncidentTracker,
  type EventAppendSource,
  type EventIncidentLinks,
  type QuietPeriods,
} from './tracker.js';

export interface IncidentsDeps {
  db: Kysely<Database>;
  log: Logger;
  /** Writes event_log.incident_id (the event log's repository). */
  links: EventIncidentLinks;
  /** Reads an incident's events (the event log). */
  events: IncidentEventReader;
  /** A rule's own resolve_after_seconds, read in the append's transaction. */
  ruleResolveAfter: QuietPeriods['forRule'];
  /** When a fault was last seen outside the event log (a container's last exit). */
  lastFault?: LastFault;
  now?: () => number;
}

export interface Incidents {
  repo: IncidentRepository;
  tracker: IncidentTracker;
  sweep: IncidentSweep;
  service: IncidentsService;
  /**
   * Joins the event log's appends. Call before anything that joins through the tracker
   * (the trigger dispatcher) starts, and before any producer.
   */
  start(events: EventAppendSource): void;
  stop(): Promise<void>;
}

/** Incidents: the tracker in the event log's appends, the sweep, the reading service. */
export function createIncidents(deps: IncidentsDeps, config: Config): Incidents {
  const repo = new IncidentRepository(deps.db);
  const tracker = new IncidentTracker({
    repo,
    links: deps.links,
    quiet: { forRule: deps.ruleResolveAfter, defaultSeconds: config.incidentsResolveAfterSeconds },
  });
  const sweep = new IncidentSweep({
    db: deps.db,
    repo,
    log: deps.log,
    intervalMs: config.incidentsSweepSeconds * 1000,
    lastFault: deps.lastFault,
    now: deps.now,
  });
  const service = new IncidentsService({ repo, events: deps.events });
  return {
    repo,
    tracker,
    sweep,
    service,
    start(events) {
      tracker.attach(events);
      sweep.start();
    },
    async stop() {
      await sweep.stop();
      tracker.detach();
    },
  };
}
