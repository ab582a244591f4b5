import type { Silence, SilenceBody, SilenceState } from '../../../src/api/wire/silences.js';
import { http, query } from './client';

export { SILENCE_STATES, WEEKDAYS } from '../../../src/incidents/silence-model.js';
export type { Silence, SilenceBody, SilenceState } from '../../../src/api/wire/silences.js';

export const silencesApi = {
  list: (q: { state?: SilenceState; before?: number; limit?: number } = {}) =>
    http.get<{ items: Silence[]; next: number | null }>(`/api/silences${query({ ...q })}`),
  get: (id: number) => http.get<Silence>(`/api/silences/${id}`),
  create: (body: SilenceBody) => http.post<Silence>('/api/silences', body),
  end: (id: number) => http.delete<Silence>(`/api/silences/${id}`),
};
