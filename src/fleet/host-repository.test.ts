import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { EventBus, EventLog, EventRepository } from '../events/index.js';
import { HostRepository, type HostReport } from './host-repository.js';
import { CLASH_QUIET_MS, HostChecks } from './host-checks.js';

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

for (const dialect of DIALECTS) {
  describe(`hosts (${dialect})`, () => {
    const store = useTestStore(dialect);

    /** Two replicas' host checks over one database, on a clock the test moves. */
    function twoCheckers() {
      const db = store().db;
      const hosts = new HostRepository(db);
      const repo = new EventRepository(db);
      const log = new EventLog(db, repo, new EventBus());
      const clock = { now: 100_000 };
      const checker = () =>
        new HostChecks(hosts, log, pino({ level: 'silent' }), {
          silentAfterMs: 60_000,
          now: () => clock.now,
        });
      return { hosts, repo, clock, a: checker(), b: checker() };
    }

    it('records a report, keeps first_seen_at, drops an older report', async () => {
      const hosts = new HostRepository(store().db);
      await hosts.recordReport('web-1', report(), 1_000);
      await hosts.recordReport('web-1', report({ containers: 5, docker_reachable: false }), 2_000);
      await hosts.recordReport('web-1', report({ containers: 9 }), 1_500);
      expect(await hosts.get('web-1')).toEqual({
        id: 'web-1',
        name: 'web one',
        engine_id: 'E1',
        agent_version: '1.0.0',
        docker_version: '27.1',
        docker_reachable: false,
        rule_revision: 3,
        agent_boot: 'boot-1',
        first_seen_at: 1_000,
        last_seen_at: 2_000,
        containers: 5,
        silent_since: null,
        previous_boot: null,
        boot_clash_at: null,
        boot_clash_said_at: null,
      });
      await hosts.recordReport('db-1', report({ rule_revision: null }), 1_000);
      expect((await hosts.list()).map((h) => h.id)).toEqual(['db-1', 'web-1']);
    });

    it('says once that a host went silent and once that it came back, across checkers', async () => {
      const { hosts, repo, clock, a, b } = twoCheckers();
      await hosts.recordReport('web-1', report(), 50_000);
      await hosts.recordReport('web-2', report(), 90_000);
      await Promise.all([a.check(), b.check()]);
      clock.now = 200_000;
      await Promise.all([a.check(), b.check()]);
      await a.check();
      const messages = async () =>
        (await repo.list({ sources: ['system'] })).items.map((e) => e.message).reverse();
      expect(await messages()).toEqual([
        `host web-1 silent since ${new Date(50_000).toISOString()}`,
        `host web-2 silent since ${new Date(90_000).toISOString()}`,
      ]);
      expect((await hosts.get('web-1'))?.silent_since).toBe(200_000);

      await hosts.recordReport('web-1', report(), 210_000);
      clock.now = 215_000;
      await Promise.all([a.check(), b.check()]);
      await b.check();
      expect((await messages()).slice(2)).toEqual(['host web-1 reporting again']);
      expect((await hosts.get('web-1'))?.silent_since).toBeNull();
      expect((await hosts.get('web-2'))?.silent_since).toBe(200_000);
    });

    it('tells a restarted agent from two agents using one host id', async () => {
      const hosts = new HostRepository(store().db);
      // A restart: the old boot does not come back, not even as a late report.
      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), 1_000);
      await hosts.recordReport('web-1', report({ agent_boot: 'b' }), 16_000);
      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), 15_000);
      await hosts.recordReport('web-1', report({ agent_boot: 'b' }), 31_000);
      expect(await hosts.get('web-1')).toMatchObject({
        agent_boot: 'b',
        previous_boot: 'a',
        boot_clash_at: null,
      });
      // A second agent on the same id: the boots take turns.
      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), 38_000);
      expect(await hosts.get('web-1')).toMatchObject({
        agent_boot: 'a',
        previous_boot: 'b',
        boot_clash_at: 38_000,
      });
      await hosts.recordReport('web-1', report({ agent_boot: 'b' }), 46_000);
      expect((await hosts.get('web-1'))?.boot_clash_at).toBe(46_000);
    });

    it('says a host id used by two agents once, and again after ten quiet minutes if it goes on', async () => {
      const { hosts, repo, clock, a, b } = twoCheckers();
      const clashes = async () =>
        (await repo.list({ sources: ['system'] })).items
          .filter((e) => e.message.includes('used by two agents'))
          .map((e) => e.message);
      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), 90_000);
      await hosts.recordReport('web-1', report({ agent_boot: 'b' }), 95_000);
      await Promise.all([a.check(), b.check()]);
      expect(await clashes()).toEqual([]);

      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), 99_000);
      await Promise.all([a.check(), b.check()]);
      await a.check();
      expect(await clashes()).toEqual([
        'host id web-1 is used by two agents (boots b and a): their lines and containers mix; give each host its own --host-id',
      ]);

      // Still both running: nothing more within ten minutes, once more after.
      clock.now += CLASH_QUIET_MS - 1;
      await hosts.recordReport('web-1', report({ agent_boot: 'b' }), clock.now - 5_000);
      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), clock.now);
      await a.check();
      expect(await clashes()).toHaveLength(1);
      clock.now += 1;
      await Promise.all([a.check(), b.check()]);
      expect(await clashes()).toHaveLength(2);

      // One of them stopped: no new clash, nothing more to say.
      clock.now += 2 * CLASH_QUIET_MS;
      await hosts.recordReport('web-1', report({ agent_boot: 'a' }), clock.now);
      await a.check();
      expect(await clashes()).toHaveLength(2);
    });
  });
}
