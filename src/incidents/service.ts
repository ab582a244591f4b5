import { AppError } from '../errors.js';
import type { StoredEvent } from '../events/model.js';
import type { Incident } from './model.js';
import type {
  IncidentFilter,
  IncidentList,
  IncidentPage,
  IncidentRepository,
} from './repository.js';

/** How many of an incident's events its detail shows, newest first. */
export const INCIDENT_RECENT_EVENTS = 50;

/** The event log, as the incidents read an incident's events. */
export interface IncidentEventReader {
  list(
    filter: { incident_id: number },
    page: { limit: number },
  ): Promise<{ items: StoredEvent[]; next: number | null }>;
}

export interface IncidentDetail extends Incident {
  /** Its latest events, newest first (at most INCIDENT_RECENT_EVENTS). */
  events: StoredEvent[];
}

/** Reading incidents (the API's side). */
export class IncidentsService {
  constructor(private readonly deps: { repo: IncidentRepository; events: IncidentEventReader }) {}

  list(filter: IncidentFilter, page: IncidentPage): Promise<IncidentList> {
    return this.deps.repo.list(filter, page);
  }

  async get(id: number): Promise<IncidentDetail> {
    const incident = await this.deps.repo.get(id);
    if (!incident) throw AppError.notFound('incident', id);
    const { items } = await this.deps.events.list(
      { incident_id: id },
      { limit: INCIDENT_RECENT_EVENTS },
    );
    return { ...incident, events: items };
  }
}
