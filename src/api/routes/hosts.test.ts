import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { actingAs } from '../../../test/support/test-principals.js';
import { HostRepository, type HostReport } from '../../fleet/index.js';
import { buildServer } from '../server.js';
import { hostsRoutes } from './hosts.js';

const report = (over: Partial<HostReport> = {}): HostReport => ({
  name: 'web one',
  engine_id: 'E1',
  agent_version: '1.0.0',
  docker_version: '27.1',
  docker_reachable: true,
  rule_revision: 3,
  agent_boot: 'boot-1',
  containers: 4,
  ...over,
});

const NOW = Date.UTC(2026, 11, 1, 12);

for (const dialect of DIALECTS) {
  describe(`hosts routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    it('lists the hosts, connected while their agent reported within the setting, and whether they run the current rules', async () => {
      const hosts = new HostRepository(store().db);
      const rules = { revision: async () => 3 };
      const server = await buildServer({
        authenticator: actingAs(),
        logger: pino({ level: 'silent' }),
        routes: [hostsRoutes({ hosts, rules, silentAfterMs: 60_000, now: () => NOW })],
      });
      expect((await server.inject('/api/hosts')).json()).toEqual({ items: [], next: null });
      await hosts.recordReport('web-1', report(), NOW - 60_000);
      await hosts.recordReport(
        'db-1',
        report({ name: 'db', rule_revision: null, docker_version: null, docker_reachable: false }),
        NOW - 60_001,
      );
      await hosts.recordReport('edge-1', report({ name: 'edge', rule_revision: 2 }), NOW);
      const res = await server.inject('/api/hosts');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        items: [
          {
            id: 'db-1',
            name: 'db',
            agent_version: '1.0.0',
            rule_revision: null,
            rules_current: false,
            connected: false,
            last_seen_at: new Date(NOW - 60_001).toISOString(),
            docker_version: null,
            docker_reachable: false,
            containers: 4,
          },
          {
            id: 'edge-1',
            name: 'edge',
            agent_version: '1.0.0',
            rule_revision: 2,
            rules_current: false,
            connected: true,
            last_seen_at: new Date(NOW).toISOString(),
            docker_version: '27.1',
            docker_reachable: true,
            containers: 4,
          },
          {
            id: 'web-1',
            name: 'web one',
            agent_version: '1.0.0',
            rule_revision: 3,
            rules_current: true,
            connected: true,
            last_seen_at: new Date(NOW - 60_000).toISOString(),
            docker_version: '27.1',
            docker_reachable: true,
            containers: 4,
          },
        ],
        next: null,
      });
    });
  });
}
