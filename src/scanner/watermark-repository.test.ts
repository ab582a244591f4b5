import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { CursorRepository } from './cursor-repository.js';
import { WatermarkRepository } from './watermark-repository.js';

for (const dialect of DIALECTS) {
  describe(`scanner watermark (${dialect})`, () => {
    const store = useTestStore(dialect);

    it('keeps the first watch and returns the last one to the next run', async () => {
      const repo = new WatermarkRepository(store().db);
      expect(await repo.begin(1_000)).toEqual({ firstWatchedAt: 1_000, lastWatchedAt: null });
      await repo.touch(1_500);
      expect(await repo.begin(9_000)).toEqual({ firstWatchedAt: 1_000, lastWatchedAt: 1_500 });
      expect(await repo.begin(9_500)).toEqual({ firstWatchedAt: 1_000, lastWatchedAt: 9_000 });
    });

    it('is seeded from the resume cursors of a database that predates it', async () => {
      const cursors = new CursorRepository(store().db);
      await cursors.save(store().db, 'a', { stdout: { tsNanos: 1n, seenAtTs: 1 } }, 400);
      await cursors.save(store().db, 'b', { stdout: { tsNanos: 1n, seenAtTs: 1 } }, 700);
      const repo = new WatermarkRepository(store().db);
      expect(await repo.begin(5_000)).toEqual({ firstWatchedAt: 400, lastWatchedAt: 700 });
    });
  });
}
