import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { WorkloadRepository } from '../inventory/index.js';
import { MAX_ENABLED_RULES, type RuleInput } from './model.js';
import { RuleRepository } from './repository.js';
import { RulesService } from './service.js';
import { RuleSnapshotHolder } from './snapshot.js';

const line = (s: string) => Buffer.from(s);

for (const dialect of DIALECTS) {
  describe(`rules service (${dialect})`, () => {
    const store = useTestStore(dialect);

    async function setup() {
      const db = store().db;
      const workloads = new WorkloadRepository(db);
      await workloads.insert({ id: 'shop', name: 'Shop', kind: 'custom', created_at: 1 });
      await workloads.insert({ id: 'blog', name: 'Blog', kind: 'compose', created_at: 1 });
      const repo = new RuleRepository(db);
      const holder = new RuleSnapshotHolder(repo);
      let reloads = 0;
      const snapshots = {
        reload: () => {
          reloads++;
          return holder.reload();
        },
      };
      let clock = Date.UTC(2026, 0, 1);
      const service = new RulesService({
        repo,
        workloads,
        snapshots,
        now: () => (clock += 1000),
      });
      return { db, repo, holder, service, workloads, reloads: () => reloads };
    }

    async function rejects(promise: Promise<unknown>, code: string, field?: string) {
      const err = await promise.then(
        () => expect.unreachable('expected a rejection'),
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code, ...(field ? { field } : {}) });
      return err as Error;
    }

    it('stores a rule condition and checks its fields by name', async () => {
      const { service, holder, repo } = await setup();
      const plain = await service.create({ name: 'plain', pattern: 'x' });
      expect(plain.condition).toEqual({ type: 'line' });
      const count = await service.create({
        name: 'flood',
        pattern: 'from (?P<ip>[0-9.]+)',
        condition: { type: 'count', threshold: 5, window_seconds: 10, group_by: 'capture:ip' },
      });
      expect((await repo.get(count.id))?.condition).toEqual({
        type: 'count',
        threshold: 5,
        window_seconds: 10,
        group_by: 'capture:ip',
      });
      expect(holder.current().conditionRules?.get(count.id)?.condition).toMatchObject({
        type: 'count',
      });
      const defaulted = await service.create({
        name: 'per container',
        pattern: 'y',
        condition: { type: 'count', threshold: 3, window_seconds: 60 },
      });
      expect(defaulted.condition).toMatchObject({ group_by: 'container' });
      const absent = await service.update(plain.id, {
        condition: { type: 'absence', window_seconds: 300 },
      });
      expect(absent.condition).toEqual({ type: 'absence', window_seconds: 300 });
      const V = 'VALIDATION_FAILED';
      const bad = (condition: unknown, field: string, pattern = 'x') =>
        rejects(service.create({ name: 'bad', pattern, condition }), V, field);
      await bad({ type: 'count', threshold: 0, window_seconds: 10 }, 'condition.threshold');
      await bad({ type: 'count', threshold: 1001, window_seconds: 10 }, 'condition.threshold');
      await bad({ type: 'count', threshold: 2.5, window_seconds: 10 }, 'condition.threshold');
      await bad({ type: 'count', threshold: 5, window_seconds: 0 }, 'condition.window_seconds');
      await bad(
        { type: 'count', threshold: 5, window_seconds: 86_401 },
        'condition.window_seconds',
      );
      await bad(
        { type: 'count', threshold: 5, window_seconds: 10, group_by: 'host' },
        'condition.group_by',
      );
      await bad(
        { type: 'count', threshold: 5, window_seconds: 10, group_by: 'capture:ip' },
        'condition.group_by',
      );
      await bad({ type: 'absence', window_seconds: 604_801 }, 'condition.window_seconds');
      await bad(
        { type: 'absence', window_seconds: 60, group_by: 'container' },
        'condition.group_by',
      );
      await bad({ type: 'sometimes' }, 'condition.type');
      await bad('count', 'condition');
      // A pattern change that drops the grouped capture is refused.
      await rejects(service.update(count.id, { pattern: 'from [0-9.]+' }), V, 'condition.group_by');
      await rejects(
        service.update(plain.id, {
          condition: { type: 'count', threshold: 2, window_seconds: 5, group_by: 'capture:nope' },
        }),
        V,
        'condition.group_by',
      );
    });

    it('an override starts with the condition of its global', async () => {
      const { service } = await setup();
      const global = await service.create({
        name: 'g',
        pattern: 'x',
        condition: { type: 'absence', window_seconds: 60 },
      });
      const override = await service.create({ workload_id: 'shop', overrides_rule_id: global.id });
      expect(override.condition).toEqual({ type: 'absence', window_seconds: 60 });
    });

    it('creates a rule with defaults and reloads the snapshot once', async () => {
      const { service, holder, reloads } = await setup();
      const rule = await service.create({ name: ' Errors ', pattern: 'ERROR (?P<code>\\d+)' });
      expect(rule).toMatchObject({
        name: 'Errors',
        severity: 'warn',
        stream: 'both',
        cooldown_seconds: 60,
        enabled: true,
        scope: 'global',
        workload_id: null,
        overrides_rule_id: null,
      });
      expect(rule.id).toBeGreaterThan(0);
      expect(rule.created_at).toBe(rule.updated_at);
      expect(reloads()).toBe(1);
      expect(holder.current().version).toBe(1);
      const hits = holder.current().matcherFor('shop').match(line('ERROR 500'), 'stderr');
      expect(hits.map((h) => [h.rule.id, h.captures])).toEqual([[rule.id, { code: '500' }]]);
      expect(await service.get(rule.id)).toEqual(rule);
    });

    it('rejects bad input naming the field, with RE2’s message for patterns', async () => {
      const { service, reloads } = await setup();
      const cases: [RuleInput, string, string][] = [
        [{ pattern: 'x' }, 'VALIDATION_FAILED', 'name'],
        [{ name: 'x' }, 'VALIDATION_FAILED', 'pattern'],
        [{ name: '', pattern: 'x' }, 'VALIDATION_FAILED', 'name'],
        [{ name: 'n'.repeat(201), pattern: 'x' }, 'VALIDATION_FAILED', 'name'],
        [{ name: 'x', pattern: '(?=x)' }, 'RULE_INVALID_PATTERN', 'pattern'],
        [{ name: 'x', pattern: '(a)\\1' }, 'RULE_INVALID_PATTERN', 'pattern'],
        [{ name: 'x', pattern: 'a'.repeat(4097) }, 'RULE_INVALID_PATTERN', 'pattern'],
        [{ name: 'x', pattern: 'x', severity: 'fatal' }, 'VALIDATION_FAILED', 'severity'],
        [{ name: 'x', pattern: 'x', stream: 'stdin' }, 'VALIDATION_FAILED', 'stream'],
        [
          { name: 'x', pattern: 'x', cooldown_seconds: -1 },
          'VALIDATION_FAILED',
          'cooldown_seconds',
        ],
        [
          { name: 'x', pattern: 'x', cooldown_seconds: 1.5 },
          'VALIDATION_FAILED',
          'cooldown_seconds',
        ],
        [
          { name: 'x', pattern: 'x', cooldown_seconds: 86_401 },
          'VALIDATION_FAILED',
          'cooldown_seconds',
        ],
        [{ name: 'x', pattern: 'x', enabled: 'yes' }, 'VALIDATION_FAILED', 'enabled'],
        [{ name: 'x', pattern: 'x', scope: 'team' }, 'VALIDATION_FAILED', 'scope'],
        [
          { name: 'x', pattern: 'x', scope: 'global', workload_id: 'shop' },
          'VALIDATION_FAILED',
          'workload_id',
        ],
        [{ name: 'x', pattern: 'x', scope: 'workload' }, 'VALIDATION_FAILED', 'workload_id'],
        [{ name: 'x', pattern: 'x', workload_id: 'nope' }, 'VALIDATION_FAILED', 'workload_id'],
        [
          { name: 'x', pattern: 'x', workload_id: 'shop', overrides_rule_id: 999 },
          'VALIDATION_FAILED',
          'overrides_rule_id',
        ],
      ];
      for (const [input, code, field] of cases) await rejects(service.create(input), code, field);
      const lookahead = await rejects(
        service.create({ name: 'x', pattern: 'a(?!b)' }),
        'RULE_INVALID_PATTERN',
      );
      expect(lookahead.message).toBe('pattern: invalid perl operator: (?!');
      expect(await service.list()).toEqual([]);
      expect(reloads()).toBe(0);
    });

    it('infers the workload scope from workload_id; accepts both named-group spellings', async () => {
      const { service, holder } = await setup();
      const own = await service.create({
        name: 'slow',
        pattern: 'took (?<ms>\\d+)ms',
        workload_id: 'shop',
        stream: 'stdout',
      });
      expect(own).toMatchObject({ scope: 'workload', workload_id: 'shop' });
      const m = holder.current().matcherFor('shop');
      expect(m.match(line('took 12ms'), 'stdout')[0]?.captures).toEqual({ ms: '12' });
      expect(m.match(line('took 12ms'), 'stderr')).toEqual([]);
      expect(holder.current().matcherFor('blog').size).toBe(0);
    });

    it('resolves effective rules: globals, overrides, disabled overrides, own rules', async () => {
      const { service, holder } = await setup();
      const oom = await service.create({ name: 'oom', pattern: 'OOM', severity: 'critical' });
      const panic = await service.create({ name: 'panic', pattern: 'panic' });
      // An override copies its global's fields unless they are sent.
      const shopOom = await service.create({
        workload_id: 'shop',
        overrides_rule_id: oom.id,
        severity: 'info',
      });
      expect(shopOom).toMatchObject({
        name: 'oom',
        pattern: 'OOM',
        severity: 'info',
        scope: 'workload',
      });
      await service.create({ workload_id: 'blog', overrides_rule_id: panic.id, enabled: false });
      const own = await service.create({ name: 'own', pattern: 'shop-only', workload_id: 'shop' });

      const shop = await service.effectiveFor('shop');
      expect(shop.map((r) => [r.id, r.source])).toEqual([
        [panic.id, 'global'],
        [shopOom.id, 'override'],
        [own.id, 'workload'],
      ]);
      expect((await service.effectiveFor('blog')).map((r) => r.id)).toEqual([oom.id]);
      await rejects(service.effectiveFor('nope'), 'NOT_FOUND');

      const snap = holder.current();
      const hit = (w: string | null, text: string) =>
        snap
          .matcherFor(w)
          .match(line(text), 'stdout')
          .map((h) => [h.rule.id, h.rule.severity]);
      expect(hit('shop', 'OOM panic')).toEqual([
        [panic.id, 'warn'],
        [shopOom.id, 'info'],
      ]);
      expect(hit('blog', 'OOM panic')).toEqual([[oom.id, 'critical']]);
      expect(hit(null, 'OOM panic shop-only')).toEqual([
        [oom.id, 'critical'],
        [panic.id, 'warn'],
      ]);
    });

    it('allows one override per workload and global rule', async () => {
      const { service } = await setup();
      const g = await service.create({ name: 'g', pattern: 'g' });
      const own = await service.create({ name: 'own', pattern: 'own', workload_id: 'shop' });
      await service.create({ workload_id: 'shop', overrides_rule_id: g.id });
      await rejects(
        service.create({ workload_id: 'shop', overrides_rule_id: g.id, enabled: false }),
        'CONFLICT',
        'overrides_rule_id',
      );
      await rejects(
        service.create({ workload_id: 'shop', overrides_rule_id: own.id }),
        'VALIDATION_FAILED',
        'overrides_rule_id',
      );
      await rejects(
        service.create({ name: 'x', pattern: 'x', overrides_rule_id: g.id, scope: 'global' }),
        'VALIDATION_FAILED',
        'overrides_rule_id',
      );
      // Another workload may override it too.
      await service.create({ workload_id: 'blog', overrides_rule_id: g.id });
      // A global with overrides cannot turn into a workload rule.
      await rejects(
        service.update(g.id, { scope: 'workload', workload_id: 'shop' }),
        'CONFLICT',
        'scope',
      );
    });

    it('PATCH changes only the fields sent', async () => {
      const { service, holder, reloads } = await setup();
      const rule = await service.create({
        name: 'r',
        pattern: 'a',
        severity: 'error',
        stream: 'stderr',
        cooldown_seconds: 5,
        workload_id: 'shop',
      });
      const patched = await service.update(rule.id, { cooldown_seconds: 0, pattern: 'b(\\d)' });
      expect(patched).toEqual({
        ...rule,
        cooldown_seconds: 0,
        pattern: 'b(\\d)',
        updated_at: patched.updated_at,
      });
      expect(patched.updated_at).toBeGreaterThan(rule.updated_at);
      expect(reloads()).toBe(2);
      expect(holder.current().matcherFor('shop').match(line('b7'), 'stderr')[0]?.captures).toEqual({
        $1: '7',
      });
      // Nothing sent, nothing changed, no reload.
      expect(await service.update(rule.id, {})).toEqual(patched);
      expect(reloads()).toBe(2);
      // A bad value changes nothing.
      await rejects(
        service.update(rule.id, { pattern: '(?=x)', name: 'n' }),
        'RULE_INVALID_PATTERN',
      );
      expect(await service.get(rule.id)).toEqual(patched);
      await rejects(
        service.update(rule.id, { workload_id: null }),
        'VALIDATION_FAILED',
        'workload_id',
      );
      // Moving it to global takes clearing its workload in the same request.
      const global = await service.update(rule.id, { scope: 'global', workload_id: null });
      expect(global).toMatchObject({ scope: 'global', workload_id: null, severity: 'error' });
      await rejects(service.update(999_999, { name: 'x' }), 'NOT_FOUND');
    });

    it('keeps context by default, merges a context sent over the stored one, and names the bad field', async () => {
      const { service, holder } = await setup();
      const rule = await service.create({ name: 'r', pattern: 'Exception' });
      expect(rule.context).toEqual({ before: 5, after: 10, multiline: true });
      expect(holder.current().matcherFor(null).context).toEqual({ before: 5 });
      const patched = await service.update(rule.id, { context: { after: 20 } });
      expect(patched.context).toEqual({ before: 5, after: 20, multiline: true });
      expect((await service.get(rule.id)).context).toEqual(patched.context);
      const off = await service.update(rule.id, {
        context: { before: 0, after: 0, multiline: false },
      });
      expect(off.context).toEqual({ before: 0, after: 0, multiline: false });
      // Nothing kept: tails hold no ring for it.
      expect(holder.current().matcherFor(null).context).toBeNull();
      for (const [context, field] of [
        [{ before: 21 }, 'context.before'],
        [{ after: -1 }, 'context.after'],
        [{ after: 1.5 }, 'context.after'],
        [{ multiline: 'yes' }, 'context.multiline'],
        [{ lines: 3 }, 'context.lines'],
        ['5', 'context'],
      ] as const)
        await rejects(service.update(rule.id, { context }), 'VALIDATION_FAILED', field);
      await rejects(
        service.create({ name: 'x', pattern: 'x', context: { after: 51 } }),
        'VALIDATION_FAILED',
        'context.after',
      );
      // An override starts from its global's context.
      const global = await service.create({ name: 'g', pattern: 'g', context: { before: 2 } });
      const override = await service.create({ workload_id: 'shop', overrides_rule_id: global.id });
      expect(override.context).toEqual({ before: 2, after: 10, multiline: true });
    });

    it('deletes a global together with its overrides, in one transaction', async () => {
      const { service, repo, holder, reloads } = await setup();
      const g = await service.create({ name: 'g', pattern: 'g' });
      const o1 = await service.create({ workload_id: 'shop', overrides_rule_id: g.id });
      const o2 = await service.create({
        workload_id: 'blog',
        overrides_rule_id: g.id,
        enabled: false,
      });
      const keep = await service.create({ name: 'keep', pattern: 'k', workload_id: 'shop' });
      const before = reloads();
      expect(await service.delete(g.id)).toEqual({ overrides_deleted: 2 });
      expect(reloads()).toBe(before + 1);
      expect(await repo.get(o1.id)).toBeNull();
      expect(await repo.get(o2.id)).toBeNull();
      expect((await service.list()).map((r) => r.id)).toEqual([keep.id]);
      expect(holder.current().ruleCount).toBe(1);
      await rejects(service.delete(g.id), 'NOT_FOUND');
    });

    it(`refuses more than ${MAX_ENABLED_RULES} enabled rules`, async () => {
      const { service, db } = await setup();
      const now = Date.now();
      const rows = Array.from({ length: MAX_ENABLED_RULES - 1 }, (_, i) => ({
        name: `r${i}`,
        pattern: `r${i}`,
        severity: 'warn',
        stream: 'both',
        cooldown_seconds: 60,
        enabled: 1,
        scope: 'global',
        workload_id: null,
        overrides_rule_id: null,
        created_at: now,
        updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += 250)
        await db
          .insertInto('log_scan_rules')
          .values(rows.slice(i, i + 250))
          .execute();
      const last = await service.create({ name: 'last', pattern: 'last' });
      await rejects(
        service.create({ name: 'one more', pattern: 'x' }),
        'RULE_LIMIT_REACHED',
        'enabled',
      );
      // Disabled rules do not count, until enabled.
      const spare = await service.create({ name: 'spare', pattern: 'x', enabled: false });
      const err = await rejects(service.update(spare.id, { enabled: true }), 'RULE_LIMIT_REACHED');
      expect(err.message).toMatch(/at most 1000 rules can be enabled/);
      await service.update(last.id, { enabled: false });
      expect((await service.update(spare.id, { enabled: true })).enabled).toBe(true);
    });

    it('leaves a stored rule that does not compile out of the snapshot, keeping its error', async () => {
      const { service, db, holder } = await setup();
      await service.create({ name: 'good', pattern: 'good' });
      const now = Date.now();
      const bad = await db
        .insertInto('log_scan_rules')
        .values({
          name: 'bad',
          pattern: '(a)\\1',
          severity: 'error',
          stream: 'both',
          cooldown_seconds: 60,
          enabled: 1,
          scope: 'global',
          workload_id: null,
          overrides_rule_id: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const snap = await holder.reload();
      expect(snap.ruleCount).toBe(1);
      expect(snap.compileErrors).toEqual([
        { rule_id: Number(bad.id), name: 'bad', error: 'invalid escape sequence: \\1' },
      ]);
      expect(snap.matcherFor(null).match(line('good aa'), 'stdout')).toHaveLength(1);
      // /api/rules/test on it names the rule_id field.
      await rejects(
        service.test({ rule_id: Number(bad.id), sample_line: 'aa' }),
        'RULE_INVALID_PATTERN',
        'rule_id',
      );
    });

    it('tests a pattern or a stored rule against a sample line', async () => {
      const { service, reloads } = await setup();
      expect(
        await service.test({ pattern: 'code=(?P<code>\\d+)', sample_line: 'x code=42' }),
      ).toEqual({
        matched: true,
        captures: { code: '42' },
      });
      expect(await service.test({ pattern: 'nope', sample_line: 'x' })).toEqual({
        matched: false,
        captures: {},
      });
      const rule = await service.create({ name: 'r', pattern: '(\\w+)@(?<host>\\w+)' });
      expect(await service.test({ rule_id: rule.id, sample_line: 'mail bob@example' })).toEqual({
        matched: true,
        captures: { $1: 'bob', host: 'example' },
      });
      await rejects(
        service.test({ pattern: '(?=x)', sample_line: 'x' }),
        'RULE_INVALID_PATTERN',
        'pattern',
      );
      await rejects(service.test({ sample_line: 'x' }), 'VALIDATION_FAILED', 'pattern');
      await rejects(
        service.test({ pattern: 'x', rule_id: rule.id, sample_line: 'x' }),
        'VALIDATION_FAILED',
        'pattern',
      );
      await rejects(service.test({ pattern: 'x' }), 'VALIDATION_FAILED', 'sample_line');
      await rejects(
        service.test({ rule_id: 12345, sample_line: 'x' }),
        'VALIDATION_FAILED',
        'rule_id',
      );
      expect(reloads()).toBe(1);
    });

    it('drops a workload’s rules with the workload', async () => {
      const { service, workloads } = await setup();
      await service.create({ name: 'own', pattern: 'x', workload_id: 'blog' });
      await workloads.delete('blog');
      expect(await service.list()).toEqual([]);
    });
  });
}
