import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { EventBus, EventLog, EventRepository } from '../events/index.js';
import { eventBatchSink } from './batch-sink.js';
import { CursorRepository } from './cursor-repository.js';

for (const dialect of DIALECTS) {
  describe(`resume cursors (${dialect})`, () => {
    const store = useTestStore(dialect);

    it('round-trips nanoseconds beyond 2^53 and upserts per stream', async () => {
      const repo = new CursorRepository(store().db);
      const ts = 1_764_064_800_123_456_789n;
      await repo.save(store().db, 'c1', { stdout: { tsNanos: ts, seenAtTs: 2 } }, 1);
      await repo.save(store().db, 'c1', { stderr: { tsNanos: ts + 1n, seenAtTs: 1 } }, 2);
      await repo.save(store().db, 'c1', { stdout: { tsNanos: ts + 5n, seenAtTs: 1 } }, 3);
      expect(await repo.load('c1')).toEqual({
        stdout: { tsNanos: ts + 5n, seenAtTs: 1 },
        stderr: { tsNanos: ts + 1n, seenAtTs: 1 },
      });
      expect(await repo.load('other')).toEqual({});
      // Both streams in one save: both rows move.
      await repo.save(
        store().db,
        'c1',
        { stdout: { tsNanos: ts + 7n, seenAtTs: 3 }, stderr: { tsNanos: ts + 8n, seenAtTs: 1 } },
        4,
      );
      expect(await repo.load('c1')).toEqual({
        stdout: { tsNanos: ts + 7n, seenAtTs: 3 },
        stderr: { tsNanos: ts + 8n, seenAtTs: 1 },
      });
    });

    it('commits events and cursors together, or neither', async () => {
      const cursors = new CursorRepository(store().db);
      const events = new EventRepository(store().db);
      const log = new EventLog(store().db, events, new EventBus());
      const sink = eventBatchSink(log, cursors);
      const hit = { source: 'logscan' as const, severity: 'warn' as const, message: 'x' };
      await sink.commit({
        containerId: 'c',
        events: [hit],
        lines: [],
        cursors: { stdout: { tsNanos: 5n, seenAtTs: 1 } },
      });
      expect(await events.count()).toBe(1);
      // A cursor that cannot be written rolls the batch's events back with it.
      await expect(
        sink.commit({
          containerId: 'c',
          events: [hit, hit],
          lines: [],
          cursors: { stdout: { tsNanos: 9n, seenAtTs: Number.NaN } },
        }),
      ).rejects.toThrow();
      expect(await events.count()).toBe(1);
      expect(await cursors.load('c')).toEqual({ stdout: { tsNanos: 5n, seenAtTs: 1 } });
    });
  });
}
