import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { containerRecord } from '../../test/support/fixtures.js';
import { ContainerRepository } from './container-repository.js';

for (const dialect of DIALECTS) {
  describe(`containers of several hosts (${dialect})`, () => {
    const store = useTestStore(dialect);
    const repo = () => new ContainerRepository(store().db);

    it("stores an agent's container under its host, and never an older observation over a newer", async () => {
      const containers = repo();
      expect(
        await containers.upsertObserved('web1', containerRecord('a', { state: 'stopped' }), 2000),
      ).toBe('stored');
      // Processed late by another replica: observed before what the row holds.
      expect(
        await containers.upsertObserved('web1', containerRecord('a', { state: 'running' }), 1000),
      ).toBe('stale');
      expect(await containers.get('a')).toMatchObject({ host_id: 'web1', state: 'stopped' });
      // The same observation again (a redelivery) is stored again, harmlessly.
      expect(
        await containers.upsertObserved('web1', containerRecord('a', { state: 'stopped' }), 2000),
      ).toBe('stored');
      expect(
        await containers.upsertObserved('web1', containerRecord('a', { state: 'running' }), 3000),
      ).toBe('stored');
      expect(await containers.get('a')).toMatchObject({ host_id: 'web1', state: 'running' });
    });

    it("refuses an id another host holds, or this process's own engine", async () => {
      const containers = repo();
      await containers.upsertObserved('web1', containerRecord('a', { name: 'one' }), 1000);
      await containers.upsert(containerRecord('own', { name: 'mine' }));
      expect(
        await containers.upsertObserved('web2', containerRecord('a', { name: 'two' }), 5000),
      ).toBe('other_host');
      expect(
        await containers.upsertObserved('web2', containerRecord('own', { name: 'two' }), 5000),
      ).toBe('other_host');
      expect(await containers.get('a')).toMatchObject({ host_id: 'web1', name: 'one' });
      expect(await containers.get('own')).toMatchObject({ host_id: null, name: 'mine' });
      // Nor does the own engine's index take over an agent's row.
      await containers.upsert(containerRecord('a', { name: 'local' }));
      expect(await containers.get('a')).toMatchObject({ host_id: 'web1', name: 'one' });
    });

    it("marks a host's containers its snapshot no longer lists as missing, and only that host's", async () => {
      const containers = repo();
      await containers.upsertObserved('web1', containerRecord('a'), 1000);
      await containers.upsertObserved('web1', containerRecord('b'), 1000);
      // Observed after the snapshot was taken: the snapshot cannot know it.
      await containers.upsertObserved('web1', containerRecord('late'), 6000);
      await containers.upsertObserved('web2', containerRecord('c'), 1000);
      await containers.upsert(containerRecord('own'));
      const outcome = await containers.replaceHostSnapshot(
        'web1',
        [containerRecord('a', { state: 'stopped' }), containerRecord('c'), containerRecord('d')],
        5000,
      );
      expect(outcome).toEqual({ stored: 2, stale: 0, other_host: ['c'], gone: ['b'] });
      const state = async (id: string) => (await containers.get(id))?.state;
      expect(await state('a')).toBe('stopped');
      expect(await state('b')).toBe('missing');
      expect(await state('d')).toBe('running');
      expect(await state('late')).toBe('running');
      expect(await containers.get('c')).toMatchObject({ host_id: 'web2', state: 'running' });
      expect(await state('own')).toBe('running');
      // The own engine's pass sees only its own rows.
      expect(await containers.presentIds()).toEqual(['own']);
      // Once gone, a snapshot does not mark it again.
      expect((await containers.replaceHostSnapshot('web1', [], 7000)).gone.sort()).toEqual([
        'a',
        'd',
        'late',
      ]);
    });

    it('joins the caller’s transaction: a rollback leaves nothing behind', async () => {
      const containers = repo();
      await containers.upsertObserved('web1', containerRecord('a'), 1000);
      await expect(
        store()
          .db.transaction()
          .execute(async (tx) => {
            await containers.replaceHostSnapshot('web1', [containerRecord('b')], 2000, tx);
            throw new Error('the batch failed');
          }),
      ).rejects.toThrow('the batch failed');
      expect(await containers.get('b')).toBeNull();
      expect(await containers.get('a')).toMatchObject({ state: 'running' });
    });

    it('lists by host: named hosts, and null for the own engine', async () => {
      const containers = repo();
      await containers.upsertObserved('web1', containerRecord('a'), 1000);
      await containers.upsertObserved('web2', containerRecord('b'), 1000);
      await containers.upsert(containerRecord('c'));
      const ids = async (hosts: (string | null)[]) =>
        (await containers.list({ hosts })).map((c) => [c.id, c.host_id]);
      expect(await ids(['web1'])).toEqual([['a', 'web1']]);
      expect(await ids([null])).toEqual([['c', null]]);
      expect(await ids(['web2', null])).toEqual([
        ['b', 'web2'],
        ['c', null],
      ]);
      expect(await ids([])).toHaveLength(3);
    });
  });
}
