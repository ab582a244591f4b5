import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { WorkloadRepository } from '../../inventory/index.js';
import { RuleRepository, RuleSnapshotHolder, RulesService } from '../../rules/index.js';
import { actingAs } from '../../../test/support/test-principals.js';
import { buildServer } from '../server.js';
import { rulesRoutes } from './rules.js';

for (const dialect of DIALECTS) {
  describe(`rule routes (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function app() {
      const workloads = new WorkloadRepository(store().db);
      await workloads.insert({ id: 'shop', name: 'Shop', kind: 'custom', created_at: 1 });
      const repo = new RuleRepository(store().db);
      const snapshots = new RuleSnapshotHolder(repo);
      const rules = new RulesService({ repo, workloads, snapshots });
      const server = await buildServer({
        authenticator: actingAs(),
        logger: pino({ level: 'silent' }),
        routes: [rulesRoutes({ rules })],
      });
      const post = (url: string, payload: unknown) =>
        server.inject({ method: 'POST', url, payload: payload as object });
      return { server, snapshots, post };
    }

    it('creates with defaults, patches only the fields sent, and reloads the snapshot', async () => {
      const { server, snapshots, post } = await app();
      const created = await post('/api/rules', { name: 'errors', pattern: 'ERROR (?P<code>\\d+)' });
      expect(created.statusCode).toBe(201);
      const rule = created.json();
      expect(rule).toMatchObject({
        severity: 'warn',
        stream: 'both',
        cooldown_seconds: 60,
        enabled: true,
        scope: 'global',
      });
      expect(snapshots.current().ruleCount).toBe(1);
      const patched = await server.inject({
        method: 'PATCH',
        url: `/api/rules/${rule.id}`,
        payload: { severity: 'critical' },
      });
      expect(patched.json()).toMatchObject({
        name: 'errors',
        pattern: rule.pattern,
        severity: 'critical',
      });
      const matcher = snapshots.current().matcherFor(null);
      expect(matcher.match(Buffer.from('ERROR 5'), 'stdout')[0]?.rule.severity).toBe('critical');
      expect((await server.inject('/api/rules')).json().items).toHaveLength(1);
    });

    it('keeps a rule’s own resolve_after_seconds, null for the default, and refuses what is out of range', async () => {
      const { server, post } = await app();
      const rule = (await post('/api/rules', { name: 'r', pattern: 'x' })).json();
      expect(rule.resolve_after_seconds).toBeNull();
      const patch = (payload: object) =>
        server.inject({ method: 'PATCH', url: `/api/rules/${rule.id}`, payload });
      expect((await patch({ resolve_after_seconds: 120 })).json().resolve_after_seconds).toBe(120);
      expect(
        (await patch({ resolve_after_seconds: null })).json().resolve_after_seconds,
      ).toBeNull();
      for (const bad of [0, 604_801]) {
        const refused = await patch({ resolve_after_seconds: bad });
        expect(refused.statusCode).toBe(400);
        expect(refused.json().error.field).toBe('resolve_after_seconds');
      }
    });

    it.each([
      ['(?=x)', /\(\?=/],
      ['(a)\\1', /\\1|backreference|escape/i],
      ['(unclosed', /missing \)|unclosed|paren/i],
      ['a'.repeat(4097), /4096|4 KiB|too long/i],
    ])('rejects the pattern %s with 400 and RE2’s reason', async (pattern, reason) => {
      const { server, post } = await app();
      const res = await post('/api/rules', { name: 'bad', pattern });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe('pattern');
      expect(res.json().error.message).toMatch(reason);
      expect((await server.inject('/api/rules')).json().items).toEqual([]);
    });

    it('tests a pattern or a stored rule on a sample line', async () => {
      const { post } = await app();
      const hit = await post('/api/rules/test', {
        pattern: '(?<user>\\w+) failed (\\d+)',
        sample_line: 'bob failed 3',
      });
      expect(hit.json()).toEqual({ matched: true, captures: { user: 'bob', $2: '3' } });
      const miss = await post('/api/rules/test', { pattern: 'x', sample_line: 'y' });
      expect(miss.json()).toEqual({ matched: false, captures: {} });
      const rule = (await post('/api/rules', { name: 'r', pattern: 'panic: (.+)' })).json();
      const byId = await post('/api/rules/test', {
        rule_id: rule.id,
        sample_line: 'panic: nil map',
      });
      expect(byId.json()).toEqual({ matched: true, captures: { $1: 'nil map' } });
      const bad = await post('/api/rules/test', { pattern: '(?<=a)b', sample_line: 'ab' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('pattern');
    });

    it('lists a workload’s effective rules with where each comes from', async () => {
      const { server, post } = await app();
      const g1 = (await post('/api/rules', { name: 'g1', pattern: 'a' })).json();
      const g2 = (await post('/api/rules', { name: 'g2', pattern: 'b' })).json();
      await post('/api/rules', { workload_id: 'shop', overrides_rule_id: g2.id, pattern: 'bb' });
      await post('/api/rules', { name: 'own', pattern: 'c', workload_id: 'shop' });
      const res = await server.inject('/api/workloads/shop/effective-rules');
      const items = res.json().items as { name: string; source: string; pattern: string }[];
      expect(items.map((r) => [r.source, r.pattern]).sort()).toEqual(
        [
          ['global', 'a'],
          ['override', 'bb'],
          ['workload', 'c'],
        ].sort(),
      );
      expect(items.find((r) => r.source === 'global')?.name).toBe(g1.name);
      expect((await server.inject('/api/workloads/nope/effective-rules')).statusCode).toBe(404);

      // Deleting the global takes its override with it.
      await server.inject({ method: 'DELETE', url: `/api/rules/${g2.id}` });
      const after = (await server.inject('/api/workloads/shop/effective-rules')).json().items;
      expect(after.map((r: { pattern: string }) => r.pattern).sort()).toEqual(['a', 'c']);
    });

    it('rejects a workload rule for an unknown workload, naming the field', async () => {
      const { post } = await app();
      const res = await post('/api/rules', { name: 'x', pattern: 'x', workload_id: 'ghost' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe('workload_id');
    });
  });
}
