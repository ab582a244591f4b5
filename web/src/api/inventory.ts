import { http, query, type Page } from './client';
import type { Container, ContainerState, EffectiveRule, Workload } from './types';

export const inventoryApi = {
  containers: (filter: { state?: ContainerState; workload?: string; name?: string } = {}) =>
    http.get<Page<Container>>(`/api/containers${query(filter)}`),
  container: (id: string) => http.get<Container>(`/api/containers/${encodeURIComponent(id)}`),
  workloads: () => http.get<Page<Workload>>('/api/workloads'),
  workload: (id: string) => http.get<Workload>(`/api/workloads/${encodeURIComponent(id)}`),
  createWorkload: (input: { id?: string; name: string }) =>
    http.post<Workload>('/api/workloads', input),
  effectiveRules: (workloadId: string) =>
    http.get<Page<EffectiveRule>>(
      `/api/workloads/${encodeURIComponent(workloadId)}/effective-rules`,
    ),
};
