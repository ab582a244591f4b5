import { http, query, type Page } from './client';
import type { AuditEntry, Readiness, ScannerStats, Setting } from './types';

export interface AuditFilter {
  actor?: string;
  action?: string;
  object?: string;
  success?: string;
  since?: string;
  until?: string;
}

export const systemApi = {
  /** /readyz answers 503 with the same body when something is down: both are answers. */
  readiness: async (): Promise<Readiness> => {
    const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
    return (await res.json()) as Readiness;
  },
  scannerStats: () => http.get<ScannerStats>('/api/scanner/stats'),
  settings: () => http.get<Page<Setting>>('/api/settings'),
  audit: (filter: AuditFilter, before?: string | number | null) =>
    http.get<Page<AuditEntry>>(`/api/audit${query({ ...filter, before: before ?? undefined })}`),
};
