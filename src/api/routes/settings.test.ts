import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig, shownSettings, KEYS } from '../../config/index.js';
import { actingAs, VIEWER } from '../../../test/support/test-principals.js';
import { buildServer } from '../server.js';
import { settingsRoutes } from './settings.js';

describe('settings route', () => {
  it('shows retention and limits read-only, with where to change each, to viewers', async () => {
    const { config } = loadConfig({
      env: {
        LOGWARDEN_EVENTS_RETENTION_DAYS: '7',
        LOGWARDEN_DATABASE_URL: 'postgres://u:hunter2@db/x',
      },
    });
    const app = await buildServer({
      authenticator: actingAs(VIEWER),
      logger: pino({ level: 'silent' }),
      routes: [settingsRoutes({ settings: () => shownSettings(config) })],
    });
    const res = await app.inject('/api/settings');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { key: string; env: string; value: unknown }[];
    expect(items.find((s) => s.key === 'events.retention_days')).toMatchObject({
      env: 'LOGWARDEN_EVENTS_RETENTION_DAYS',
      value: 7,
    });
    expect(res.body).not.toContain('hunter2');
    const secretKeys = Object.values(KEYS)
      .filter((k) => 'secret' in k && k.secret)
      .map((k) => k.key);
    expect(items.filter((s) => secretKeys.includes(s.key))).toEqual([]);
  });
});
