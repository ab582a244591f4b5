import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { EventBus, EventLog, EventRepository } from '../events/index.js';
import type { CompiledRule } from '../rules/index.js';
import { ConditionCommitter, eventBatchSink } from './batch-sink.js';
import { ConditionTracker, loadConditionState, type ConditionLine } from './conditions.js';
import { CursorRepository } from './cursor-repository.js';

const rule: CompiledRule = {
  id: 1,
  name: 'flood',
  severity: 'error',
  stream: 'both',
  cooldown_seconds: 0,
  workload_id: null,
  condition: { type: 'count', threshold: 3, window_seconds: 10, group_by: 'container' },
};

const line = (i: number): ConditionLine => ({
  containerId: 'c',
  containerName: 'c',
  workloadId: null,
  stream: 'stdout',
  text: `flood ${i}`,
  timestamp: null,
  truncated: false,
  timeMs: i * 1000,
  mark: { tsNanos: BigInt(i) * 1_000_000_000n, seen: 1 },
});

const counters = () => ({ hits: 0, cooldown_drops: 0, condition_keys_dropped: 0 });

for (const dialect of DIALECTS) {
  describe(`condition state (${dialect})`, () => {
    const store = useTestStore(dialect);

    it('is stored with the cursors and the fire in one transaction, or not at all', async () => {
      const db = store().db;
      const cursors = new CursorRepository(db);
      const events = new EventRepository(db);
      const log = new EventLog(db, events, new EventBus());
      const tracker = new ConditionTracker(counters());
      const sink = eventBatchSink(log, cursors, Date.now, new ConditionCommitter(log, tracker));

      tracker.observe(line(1), [{ rule, captures: {} }]);
      tracker.observe(line(2), [{ rule, captures: {} }]);
      await sink.commit({
        containerId: 'c',
        events: [],
        lines: [],
        cursors: { stdout: { tsNanos: 2_000_000_000n, seenAtTs: 1 } },
      });
      const stored = await loadConditionState(db);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ rule_id: 1, group_key: 'container:c' });
      expect(JSON.parse(stored[0]!.state)).toMatchObject({ kind: 'count', times: [1000, 2000] });

      // The third match fires; a cursor that cannot be written rolls back the fire too…
      expect(tracker.observe(line(3), [{ rule, captures: {} }])).toBe(1);
      await expect(
        sink.commit({
          containerId: 'c',
          events: [],
          lines: [],
          cursors: { stdout: { tsNanos: 3_000_000_000n, seenAtTs: Number.NaN } },
        }),
      ).rejects.toThrow();
      expect(await events.count()).toBe(0);
      expect(JSON.parse((await loadConditionState(db))[0]!.state)).toMatchObject({
        times: [1000, 2000],
      });
      // …and the retry stores it, once, with the emptied window.
      await sink.commit({
        containerId: 'c',
        events: [],
        lines: [],
        cursors: { stdout: { tsNanos: 3_000_000_000n, seenAtTs: 1 } },
      });
      expect(await events.count()).toBe(1);
      const [event] = (await events.list({}, { limit: 10 })).items;
      expect(event?.metadata).toMatchObject({ group_key: 'container:c', count: 3 });
      expect(JSON.parse((await loadConditionState(db))[0]!.state)).toMatchObject({ times: [] });

      // A restart reads the state back and does not count line 3 again.
      const after = new ConditionTracker(counters());
      after.load(await loadConditionState(db));
      after.observe(line(3), [{ rule, captures: {} }]);
      after.observe(line(4), [{ rule, captures: {} }]);
      expect(after.take().events).toHaveLength(0);
      after.observe(line(5), [{ rule, captures: {} }]);
      expect(after.take().events).toHaveLength(0);
      after.observe(line(6), [{ rule, captures: {} }]);
      expect(after.take().events).toHaveLength(1);
    });

    it('stores a line and a capture holding a NUL byte (PostgreSQL text refuses it), so no commit is blocked', async () => {
      const db = store().db;
      const log = new EventLog(db, new EventRepository(db), new EventBus());
      const tracker = new ConditionTracker(counters());
      const committer = new ConditionCommitter(log, tracker);
      const byIp: CompiledRule = {
        ...rule,
        condition: { type: 'count', threshold: 1, window_seconds: 10, group_by: 'capture:ip' },
      };
      const text = 'flood from 10.0.0.1\u0000\u0000';
      expect(
        tracker.observe({ ...line(1), text }, [{ rule: byIp, captures: { ip: '10.0.0.1\u0000' } }]),
      ).toBe(1);
      await committer.commit([]);
      const [state] = await loadConditionState(db);
      expect(state!.group_key).toMatch(/^capture:ip=10\.0\.0\.1/);
      const [event] = (await log.list({}, { limit: 10 })).items;
      expect(event!.message).toMatch(/^flood from 10\.0\.0\.1/);
      expect(event!.metadata).toMatchObject({ group_key: state!.group_key });
      expect(tracker.hasPending).toBe(false);
    });

    it('deletes the row of a forgotten key', async () => {
      const db = store().db;
      const log = new EventLog(db, new EventRepository(db), new EventBus());
      let now = 0;
      const tracker = new ConditionTracker(counters(), () => now);
      const committer = new ConditionCommitter(log, tracker);
      tracker.observe(line(1), [{ rule, captures: {} }]);
      await committer.commit([]);
      expect(await loadConditionState(db)).toHaveLength(1);
      now = 100_000;
      tracker.sweep(new Map([[1, rule]]), now);
      await committer.commit([]);
      expect(await loadConditionState(db)).toHaveLength(0);
    });
  });
}
