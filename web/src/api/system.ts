import { http, query, type Page } from './client';
import type { JournalEntry, Readiness, ScannerStats, Setting } from './types';

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
  /** Admins only; newest first, `before` takes the previous page's `next`. */
  audit: (filter: AuditFilter, before?: number | null) =>
    http.get<Page<JournalEntry> & { next: number | null }>(
      `/api/audit${query({ ...filter, before: before ?? undefined })}`,
    ),
};
