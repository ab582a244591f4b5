import type { Incident, IncidentDetail } from '../../../src/api/wire/incidents.js';
import { http, query } from './client';

export { INCIDENT_STATES } from '../../../src/incidents/model.js';
export type { Incident, IncidentDetail } from '../../../src/api/wire/incidents.js';

export interface IncidentFilter {
  state?: 'open' | 'resolved';
  rule?: number;
  container?: string;
  workload?: string;
}

export const incidentsApi = {
  list: (filter: IncidentFilter, page: { before?: number; limit?: number } = {}) =>
    http.get<{ items: Incident[]; next: number | null }>(
      `/api/incidents${query({ ...filter, ...page })}`,
    ),
  get: (id: number) => http.get<IncidentDetail>(`/api/incidents/${id}`),
};
