import type { FastifyInstance } from 'fastify';
import type { ShownSetting } from '../../config/index.js';
import { SystemApi } from '../wire/system.js';

export interface SettingsApiDeps {
  /** Non-secret settings, with their YAML key and environment variable. */
  settings: () => readonly ShownSetting[];
}

/** Read-only: settings change in the configuration, not over the API. */
export function settingsRoutes(deps: SettingsApiDeps) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/settings', { schema: SystemApi.settings }, async () => ({
      items: deps.settings(),
      next: null,
    }));
  };
}
