import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { actingAs, VIEWER } from '../../../test/support/test-principals.js';
import { EventBus, EventLog, EventRepository, type NewEvent } from '../../events/index.js';
import { IncidentRepository, IncidentsService, IncidentTracker } from '../../incidents/index.js';
import { ContainerRepository } from '../../inventory/index.js';
import { buildServer } from '../server.js';
import { incidentsRoutes } from './incidents.js';

const T0 = Date.UTC(2026, 0, 1);
const ID = 'c0ffee'.padEnd(64, '0');

for (const dialect of DIALECTS) {
  describe(`incident routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function app(viewersReadLogs = false) {
      const db = store().db;
      const repo = new EventRepository(db);
      const events = new EventLog(db, repo, new EventBus());
      const incidents = new IncidentRepository(db);
      new IncidentTracker({
        repo: incidents,
        links: { link: (id, ids, tx) => repo.linkIncident(id, ids, tx) },
        quiet: { forRule: async () => null, defaultSeconds: 60 },
      }).attach(events);
      const server = await buildServer({
        authenticator: actingAs(VIEWER),
        logger: pino({ level: 'silent' }),
        routes: [
          incidentsRoutes({
            incidents: new IncidentsService({ repo: incidents, events }),
            containers: new ContainerRepository(db),
            policy: { viewersReadLogs: () => viewersReadLogs },
            now: () => T0 + 90_000,
          }),
        ],
      });
      return { server, events };
    }
    const hit = (over: Partial<NewEvent> = {}): NewEvent => ({
      source: 'logscan',
      severity: 'error',
      message: 'boom',
      rule_id: 1,
      container_id: ID,
      created_at: T0,
      ...over,
    });

    it('lists incidents newest first with filters and pages, and shows one with its events', async () => {
      const { server, events } = await app();
      const a = await events.record(hit());
      await events.record(hit({ created_at: T0 + 30_000, message: 'boom again' }));
      const b = await events.record(hit({ rule_id: 2 }));
      await events.record({
        source: 'docker',
        severity: 'warn',
        message: 'unhealthy',
        container_id: ID,
        metadata: { kind: 'unhealthy' },
        created_at: T0,
      });
      await events.record({
        source: 'docker',
        severity: 'info',
        message: 'healthy again',
        container_id: ID,
        metadata: { kind: 'recovered' },
        created_at: T0 + 10_000,
      });

      const all = (await server.inject('/api/incidents')).json();
      expect(all.items).toHaveLength(3);
      expect(all.next).toBeNull();
      const page = (await server.inject('/api/incidents?limit=2')).json();
      expect(page.items).toHaveLength(2);
      const rest = (await server.inject(`/api/incidents?before=${page.next}`)).json();
      expect(rest.items.map((i: { id: number }) => i.id)).toEqual([a.incident_id]);

      const open = (await server.inject(`/api/incidents?state=open&rule=1`)).json().items;
      expect(open).toEqual([
        expect.objectContaining({
          id: a.incident_id,
          key: `rule:1:container:${ID}`,
          state: 'open',
          count: 2,
          first_seen: new Date(T0).toISOString(),
          last_seen: new Date(T0 + 30_000).toISOString(),
          last_message: 'boom again',
          resolved_at: null,
          duration_seconds: 90,
        }),
      ]);
      const resolved = (await server.inject('/api/incidents?state=resolved')).json().items;
      expect(resolved).toEqual([
        expect.objectContaining({
          key: `unhealthy:${ID}`,
          resolve_reason: 'cleared',
          duration_seconds: 10,
        }),
      ]);
      expect((await server.inject(`/api/incidents?container=${ID}`)).json().items).toHaveLength(3);
      expect((await server.inject('/api/incidents?since=' + (T0 + 20_000))).json().items).toEqual([
        expect.objectContaining({ id: a.incident_id }),
      ]);

      const one = (await server.inject(`/api/incidents/${a.incident_id}`)).json();
      expect(one.events.map((e: { message: string }) => e.message)).toEqual(['boom again', 'boom']);
      expect(one.events[0].incident_id).toBe(a.incident_id);
      expect(b.incident_id).not.toBe(a.incident_id);
    });

    it('answers 404 for an unknown incident and 400 for a bad filter', async () => {
      const { server } = await app();
      const missing = await server.inject('/api/incidents/999');
      expect(missing.statusCode).toBe(404);
      expect((await server.inject('/api/incidents?state=closed')).statusCode).toBe(400);
      expect((await server.inject('/api/incidents?since=yesterday')).statusCode).toBe(400);
    });
  });
}
