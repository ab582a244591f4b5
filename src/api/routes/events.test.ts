import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { EventBus, EventLog, EventRepository } from '../../events/index.js';
import { actingAs } from '../../../test/support/test-principals.js';
import { buildServer } from '../server.js';
import { eventsRoutes } from './events.js';

for (const dialect of DIALECTS) {
  describe(`event routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function app() {
      const events = new EventLog(store().db, new EventRepository(store().db), new EventBus());
      const server = await buildServer({
        authenticator: actingAs(),
        logger: pino({ level: 'silent' }),
        routes: [eventsRoutes({ events })],
      });
      return { server, events };
    }

    it('lists with filters and keyset pages, and gets one by id', async () => {
      const { server, events } = await app();
      for (let i = 0; i < 5; i++) {
        await events.record({
          source: i % 2 ? 'docker' : 'logscan',
          severity: i < 3 ? 'info' : 'critical',
          message: `event ${i}`,
          created_at: Date.UTC(2026, 0, 1, 0, 0, i),
        });
      }
      const page1 = (await server.inject('/api/events?limit=2')).json();
      expect(page1.items.map((e: { message: string }) => e.message)).toEqual([
        'event 4',
        'event 3',
      ]);
      expect(page1.items[0].created_at).toBe('2026-01-01T00:00:04.000Z');
      const page2 = (await server.inject(`/api/events?limit=2&before=${page1.next}`)).json();
      expect(page2.items.map((e: { message: string }) => e.message)).toEqual([
        'event 2',
        'event 1',
      ]);
      const filtered = (
        await server.inject(
          '/api/events?source=logscan&severity=critical&since=2026-01-01T00:00:01Z',
        )
      ).json();
      expect(filtered.items.map((e: { message: string }) => e.message)).toEqual(['event 4']);
      expect(filtered.next).toBeNull();
      const text = (await server.inject('/api/events?q=EVENT%203')).json();
      expect(text.items).toHaveLength(1);

      const one = await server.inject(`/api/events/${page1.items[0].id}`);
      expect(one.json()).toMatchObject({ message: 'event 4', source: 'logscan' });
      expect((await server.inject('/api/events/999999')).statusCode).toBe(404);
    });

    it.each([
      ['severity=loud', 'severity'],
      ['limit=501', 'limit'],
      ['limit=0', 'limit'],
      ['since=yesterday', 'since'],
      ['until=2026-13-45', 'until'],
      ['source=docker,nope', 'source'],
      ['before=5&after=2', 'after'],
      ['rule=abc', 'rule'],
      ['colour=red', 'colour'],
    ])('answers 400 naming the parameter for %s', async (query, field) => {
      const { server } = await app();
      const res = await server.inject(`/api/events?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    });
  });
}
