import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { WorkloadRepository, Workloads } from '../inventory/index.js';
import { RuleRepository } from './repository.js';
import { RulesService } from './service.js';

for (const dialect of DIALECTS) {
  describe(`rule set revision (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function setup() {
      const db = store().db;
      const workloads = new WorkloadRepository(db);
      await workloads.insert({ id: 'shop', name: 'Shop', kind: 'custom', created_at: 1 });
      const repo = new RuleRepository(db);
      const changes: number[] = [];
      const service = new RulesService({
        repo,
        workloads,
        snapshots: { reload: async () => undefined },
      });
      service.onChange(() => changes.push(1));
      return { repo, service, changes: () => changes.length };
    }

    it('goes up by one with each rule write, and not with reads or refused writes', async () => {
      const { repo, service, changes } = await setup();
      const start = await repo.revision();
      const global = await service.create({ name: 'oom', pattern: 'out of memory' });
      expect(await repo.revision()).toBe(start + 1);
      const override = await service.create({
        workload_id: 'shop',
        overrides_rule_id: global.id,
        enabled: false,
      });
      expect(await repo.revision()).toBe(start + 2);
      await service.update(global.id, { severity: 'error' });
      expect(await repo.revision()).toBe(start + 3);
      await service.update(override.id, { enabled: true });
      expect(await repo.revision()).toBe(start + 4);

      await service.list();
      await service.get(global.id);
      await service.effectiveFor('shop');
      await service.update(global.id, {});
      await expect(service.create({ name: 'bad', pattern: '(' })).rejects.toThrow();
      await expect(service.update(global.id, { workload_id: 'nope' })).rejects.toThrow();
      await expect(service.delete(9999)).rejects.toThrow();
      expect(await repo.revision()).toBe(start + 4);
      expect(changes()).toBe(4);

      // The global and its override go in one transaction: one revision.
      await service.delete(global.id);
      expect(await repo.revision()).toBe(start + 5);
      expect(changes()).toBe(5);
    });

    it('rolls the bump back with a write that fails in its transaction', async () => {
      const { repo } = await setup();
      const start = await repo.revision();
      await repo.insert(
        {
          name: 'a',
          pattern: 'a',
          severity: 'warn',
          stream: 'both',
          cooldown_seconds: 0,
          enabled: true,
          condition: { type: 'line' },
          scope: 'global',
          workload_id: null,
          overrides_rule_id: null,
          resolve_after_seconds: null,
          context: { before: 0, after: 0, multiline: false },
        },
        1,
      );
      await expect(
        repo.transaction(async (tx) => {
          await tx.update(1, { name: 'b' }, 2);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect(await repo.revision()).toBe(start + 1);
      expect((await repo.get(1))?.name).toBe('a');
    });

    it('goes up with workload writes too: agents resolve labels from them', async () => {
      const { repo, service } = await setup();
      const workloads = new Workloads(new WorkloadRepository(store().db));
      let changes = 0;
      workloads.onChange(() => changes++);
      const start = await repo.revision();
      await workloads.create({ id: 'blog', name: 'Blog' });
      await workloads.rename('blog', 'The blog');
      await expect(workloads.create({ id: 'blog', name: 'again' })).rejects.toThrow();
      await expect(workloads.delete('nope')).rejects.toThrow();
      expect(await repo.revision()).toBe(start + 2);
      await service.create({ name: 'posts', pattern: 'x', workload_id: 'blog' });
      // The workload's rules go with it, in the same transaction and revision.
      await workloads.delete('blog');
      expect(await repo.revision()).toBe(start + 4);
      expect(await repo.list({ workload_id: 'blog' })).toEqual([]);
      expect(changes).toBe(3);
    });
  });
}
