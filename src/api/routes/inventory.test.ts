import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import {
  ContainerRepository,
  WorkloadRepository,
  Workloads,
  type ContainerRecord,
} from '../../inventory/index.js';
import { actingAs } from '../../../test/support/test-principals.js';
import { buildServer } from '../server.js';
import { inventoryRoutes } from './inventory.js';
import { containerRecord } from '../../../test/support/fixtures.js';

function container(id: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return containerRecord(id, {
    name: `name-${id.slice(0, 4)}`,
    started_at: Date.UTC(2026, 0, 1),
    last_seen_at: Date.UTC(2026, 0, 2),
    ...over,
  });
}

for (const dialect of DIALECTS) {
  describe(`inventory routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function app() {
      const containers = new ContainerRepository(store().db);
      const workloads = new Workloads(new WorkloadRepository(store().db));
      const server = await buildServer({
        authenticator: actingAs(),
        logger: pino({ level: 'silent' }),
        routes: [inventoryRoutes({ containers, workloads })],
      });
      return { server, containers, workloads };
    }

    it('creates, lists, renames and deletes workloads', async () => {
      const { server, containers } = await app();
      const created = await server.inject({
        method: 'POST',
        url: '/api/workloads',
        payload: { name: 'My Shop' },
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ id: 'my-shop', name: 'My Shop', kind: 'custom' });
      expect(created.json().created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

      const dup = await server.inject({
        method: 'POST',
        url: '/api/workloads',
        payload: { id: 'my-shop', name: 'Other' },
      });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error).toMatchObject({ code: 'CONFLICT', field: 'id' });

      await containers.upsert(container('a'.repeat(64), { workload_id: 'my-shop' }));
      const renamed = await server.inject({
        method: 'PATCH',
        url: '/api/workloads/my-shop',
        payload: { name: 'Shop' },
      });
      expect(renamed.json()).toMatchObject({ id: 'my-shop', name: 'Shop' });
      expect((await server.inject('/api/workloads')).json().items).toHaveLength(1);

      expect(
        (await server.inject({ method: 'DELETE', url: '/api/workloads/my-shop' })).statusCode,
      ).toBe(204);
      expect((await server.inject('/api/workloads/my-shop')).statusCode).toBe(404);
      expect((await containers.get('a'.repeat(64)))?.workload_id).toBeNull();
      expect(
        (await server.inject({ method: 'DELETE', url: '/api/workloads/my-shop' })).statusCode,
      ).toBe(404);
    });

    it('rejects bad workload input naming the field', async () => {
      const { server } = await app();
      const badId = await server.inject({
        method: 'POST',
        url: '/api/workloads',
        payload: { id: 'Bad Id!', name: 'x' },
      });
      expect(badId.statusCode).toBe(400);
      expect(badId.json().error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'id' });
      const noName = await server.inject({ method: 'POST', url: '/api/workloads', payload: {} });
      expect(noName.statusCode).toBe(400);
      expect(noName.json().error.field).toBe('name');
      const blank = await server.inject({
        method: 'POST',
        url: '/api/workloads',
        payload: { name: '   ' },
      });
      expect(blank.json().error.field).toBe('name');
      expect((await server.inject('/api/workloads')).json().items).toEqual([]);
    });

    it('lists containers with filters and finds one by id, prefix or name', async () => {
      const { server, containers, workloads } = await app();
      await workloads.create({ id: 'w', name: 'W' });
      await containers.upsert(container('1'.repeat(64), { name: 'api_1', workload_id: 'w' }));
      await containers.upsert(container('2'.repeat(64), { name: 'db', state: 'stopped' }));
      await containers.upsert(container('3'.repeat(64), { name: 'API_2', state: 'missing' }));

      const all = (await server.inject('/api/containers')).json();
      expect(all.items.map((c: { name: string }) => c.name)).toEqual(['API_2', 'api_1', 'db']);
      expect(all.next).toBeNull();
      const byState = (await server.inject('/api/containers?state=stopped')).json();
      expect(byState.items.map((c: { name: string }) => c.name)).toEqual(['db']);
      const byName = (await server.inject('/api/containers?name=api')).json();
      expect(byName.items).toHaveLength(2);
      const byWorkload = (await server.inject('/api/containers?workload=w')).json();
      expect(byWorkload.items.map((c: { id: string }) => c.id)).toEqual(['1'.repeat(64)]);
      // LIKE wildcards in the filter are literal.
      expect((await server.inject('/api/containers?name=a_i')).json().items).toEqual([]);

      const one = (await server.inject(`/api/containers/${'1'.repeat(12)}`)).json();
      expect(one).toMatchObject({ name: 'api_1', started_at: '2026-01-01T00:00:00.000Z' });
      expect((await server.inject('/api/containers/db')).json().id).toBe('2'.repeat(64));
      expect((await server.inject('/api/containers/nope')).statusCode).toBe(404);
    });

    it('finds a container by full id, name with or without /, or a unique prefix of 4+ hex digits', async () => {
      const { server, containers } = await app();
      const a = 'abcd01'.padEnd(64, '0');
      const b = 'abcd02'.padEnd(64, '0');
      await containers.upsert(container(a, { name: 'web' }));
      await containers.upsert(container(b, { name: 'beef' }));
      // An earlier container of the same name, gone since compose recreated it.
      await containers.upsert(
        container('0'.repeat(64), {
          name: 'web',
          state: 'missing',
          last_seen_at: Date.UTC(2027, 0),
        }),
      );
      const idOf = async (ref: string) => {
        const res = await server.inject(`/api/containers/${encodeURIComponent(ref)}`);
        return res.statusCode === 200 ? (res.json().id as string) : res.statusCode;
      };
      expect(await idOf(a)).toBe(a);
      expect(await idOf('web')).toBe(a);
      expect(await idOf('/web')).toBe(a);
      expect(await idOf('abcd01')).toBe(a);
      expect(await idOf('abcd02')).toBe(b);
      // A name wins over an id prefix, as in Docker.
      expect(await idOf('beef')).toBe(b);
      // Fewer than 4 digits is never a prefix.
      expect(await idOf('abc')).toBe(404);
      expect(await idOf('abcd03')).toBe(404);

      const ambiguous = await server.inject('/api/containers/abcd');
      expect(ambiguous.statusCode).toBe(400);
      expect(ambiguous.json().error).toMatchObject({
        code: 'CONTAINER_AMBIGUOUS',
        message: 'container id prefix abcd matches 2 containers: give more of the id, or the name',
      });
      const missing = await server.inject('/api/containers/nginx');
      expect(missing.json().error.message).toBe(
        'container nginx not found: no container has that id, id prefix or name',
      );
    });

    it("shows each container's host and filters by it, `local` naming the own engine", async () => {
      const { server, containers } = await app();
      await containers.upsert(container('1'.repeat(64), { name: 'own' }));
      await containers.upsertObserved('web1', container('2'.repeat(64), { name: 'remote' }), 1);
      const names = async (query: string) =>
        (await server.inject(`/api/containers?${query}`))
          .json()
          .items.map((c: { name: string; host_id: string | null }) => `${c.name}@${c.host_id}`);
      expect(await names('')).toEqual(['own@null', 'remote@web1']);
      expect(await names('host=web1')).toEqual(['remote@web1']);
      expect(await names('host=local')).toEqual(['own@null']);
      expect(await names('host=local,web1')).toEqual(['own@null', 'remote@web1']);
      const bad = await server.inject('/api/containers?host=a.b');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('host');
    });

    it('rejects an unknown state filter naming the parameter', async () => {
      const { server } = await app();
      const res = await server.inject('/api/containers?state=zombie');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe('state');
    });
  });
}
