import type { Host } from '../../../src/api/wire/hosts.js';
import { http, type Page } from './client';

export type { Host } from '../../../src/api/wire/hosts.js';

export const hostsApi = {
  list: () => http.get<Page<Host>>('/api/hosts'),
};
