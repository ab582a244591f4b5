import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { EventBus, EventLog, EventRepository } from '../../events/index.js';
import { ContainerRepository } from '../../inventory/index.js';
import { containerRecord } from '../../../test/support/fixtures.js';
import { actingAs, VIEWER } from '../../../test/support/test-principals.js';
import type { Principal } from '../../auth/principal.js';
import { buildServer } from '../server.js';
import { eventsRoutes } from './events.js';

for (const dialect of DIALECTS) {
  describe(`event routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function app(who?: Principal, viewersReadLogs = false) {
      const events = new EventLog(store().db, new EventRepository(store().db), new EventBus());
      const containers = new ContainerRepository(store().db);
      const policy = { viewersReadLogs: () => viewersReadLogs };
      const server = await buildServer({
        authenticator: actingAs(who),
        logger: pino({ level: 'silent' }),
        routes: [eventsRoutes({ events, containers, policy })],
      });
      return { server, events, containers };
    }

    it("gives a crash's last lines only to those who may read logs", async () => {
      const crash = {
        source: 'docker' as const,
        severity: 'critical' as const,
        message: 'container api exited with code 1',
        metadata: { exit_code: 1, last_lines: ['Traceback', 'KeyError: secret'] },
      };
      const seen = async (who: Principal | undefined, viewersReadLogs: boolean) => {
        const { server, events } = await app(who, viewersReadLogs);
        const { id } = await events.record(crash);
        const list = (await server.inject('/api/events')).json().items;
        const one = (await server.inject(`/api/events/${id}`)).json();
        return [list.find((e: { id: number }) => e.id === id).metadata, one.metadata];
      };
      expect(await seen(VIEWER, false)).toEqual([{ exit_code: 1 }, { exit_code: 1 }]);
      expect(await seen(VIEWER, true)).toEqual([crash.metadata, crash.metadata]);
      expect(await seen(undefined, false)).toEqual([crash.metadata, crash.metadata]);
    });

    it("gives a hit's context lines only to those who may read logs, as stored", async () => {
      const hit = {
        source: 'logscan' as const,
        severity: 'error' as const,
        message: 'Exception: boom',
        metadata: { rule_name: 'exceptions' },
        context: { before: ['user=alice token=abc'], after: ['\tat x.Y(Y.java:1)'] },
      };
      const seen = async (who: Principal | undefined, viewersReadLogs: boolean) => {
        const { server, events } = await app(who, viewersReadLogs);
        const { id } = await events.record(hit);
        const list = (await server.inject('/api/events')).json().items;
        const one = (await server.inject(`/api/events/${id}`)).json();
        return [list.find((e: { id: number }) => e.id === id), one].map((e) => ({
          has: 'context' in e,
          context: e.context,
          metadata: e.metadata,
        }));
      };
      const withheld = { has: false, context: undefined, metadata: hit.metadata };
      const shown = { has: true, context: hit.context, metadata: hit.metadata };
      expect(await seen(VIEWER, false)).toEqual([withheld, withheld]);
      expect(await seen(VIEWER, true)).toEqual([shown, shown]);
      expect(await seen(undefined, false)).toEqual([shown, shown]);
      // Events without context say so with null.
      const { server, events } = await app();
      const { id } = await events.record({ source: 'system', severity: 'info', message: 'hi' });
      expect((await server.inject(`/api/events/${id}`)).json().context).toBeNull();
    });

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

    it("shows each event's host and filters by it, `local` naming the own engine; never the message id", async () => {
      const { server, events } = await app();
      await events.record({ source: 'system', severity: 'info', message: 'own' });
      await events.recordBatch([
        { source: 'docker', severity: 'warn', message: 'one', host_id: 'web1', msg_id: 'evt:1' },
        { source: 'docker', severity: 'warn', message: 'two', host_id: 'web2', msg_id: 'evt:2' },
      ]);
      const list = async (query: string) => {
        const res = await server.inject(`/api/events?${query}`);
        expect(res.statusCode).toBe(200);
        return (res.json().items as { message: string; host_id: string | null }[]).map(
          (e) => `${e.message}@${e.host_id}`,
        );
      };
      expect(await list('')).toEqual(['two@web2', 'one@web1', 'own@null']);
      expect(await list('host=web1')).toEqual(['one@web1']);
      expect(await list('host=local')).toEqual(['own@null']);
      expect(await list('host=web2,%20local')).toEqual(['two@web2', 'own@null']);
      const all = (await server.inject('/api/events')).json().items as object[];
      for (const e of all) expect(e).not.toHaveProperty('msg_id');
    });

    it('filters by container given as full id, 12-character prefix or name, and says what it did not find', async () => {
      const { server, events, containers } = await app();
      const web = 'ab12cd34ef56'.padEnd(64, '7');
      const db = 'ab12cd34ef99'.padEnd(64, '8');
      await containers.upsert(containerRecord(web, { name: 'web' }));
      await containers.upsert(containerRecord(db, { name: 'db' }));
      // A gone container whose events stay, though the index no longer has its row.
      const gone = 'f'.repeat(64);
      for (const [id, message] of [
        [web, 'from web'],
        [db, 'from db'],
        [gone, 'from gone'],
      ] as const)
        await events.record({ source: 'logscan', severity: 'error', message, container_id: id });
      const messages = async (container: string) => {
        const res = await server.inject(`/api/events?container=${encodeURIComponent(container)}`);
        expect(res.statusCode, container).toBe(200);
        return res.json().items.map((e: { message: string }) => e.message);
      };
      expect(await messages('web')).toEqual(['from web']);
      expect(await messages('/web')).toEqual(['from web']);
      expect(await messages(web.slice(0, 12))).toEqual(['from web']);
      expect(await messages(db.slice(0, 12))).toEqual(['from db']);
      expect(await messages(web)).toEqual(['from web']);
      expect(await messages(gone)).toEqual(['from gone']);

      const unknown = await server.inject('/api/events?container=nginx');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error).toMatchObject({ code: 'NOT_FOUND' });
      expect(unknown.json().error.message).toContain('container nginx not found');
      const ambiguous = await server.inject('/api/events?container=ab12cd34');
      expect(ambiguous.statusCode).toBe(400);
      expect(ambiguous.json().error).toMatchObject({ code: 'CONTAINER_AMBIGUOUS' });
      expect(ambiguous.json().error.message).toContain('matches 2 containers');
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
      ['host=web1,Web.2', 'host'],
      ['host=', 'host'],
    ])('answers 400 naming the parameter for %s', async (query, field) => {
      const { server } = await app();
      const res = await server.inject(`/api/events?${query}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    });
  });
}
