import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pino from 'pino';
import { DIALECTS, TEST_PG_URL, useTestStore } from '../../test/support/databases.js';
import { AgeRetention } from './age-retention.js';
import { openStore, type Store } from './database.js';

/** A job that runs until released, to hold its lock while the test looks. */
function heldJob() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  return {
    running,
    release,
    work: async () => {
      started();
      await released;
      return 'done';
    },
  };
}

describe.each(DIALECTS)('Store.runAlone (%s)', (dialect) => {
  const store = useTestStore(dialect);

  if (dialect === 'sqlite') {
    it('runs every job: one process writes the file', async () => {
      const job = heldJob();
      const first = store().runAlone('pruning', job.work);
      await job.running;
      expect(await store().runAlone('pruning', async () => 'also')).toBe('also');
      job.release();
      expect(await first).toBe('done');
    });
    return;
  }

  /** Another replica: its own pool on the same database (and schema). */
  async function otherReplica(work: (other: Store) => Promise<void>) {
    const other = openStore({
      url: TEST_PG_URL,
      dataDir: '.',
      schema: store().schema,
      poolSize: 2,
    });
    try {
      await work(other);
    } finally {
      await other.destroy();
    }
  }

  it('skips a job another replica runs now, runs it once that one is done, and never blocks others', async () => {
    await otherReplica(async (other) => {
      const job = heldJob();
      const first = store().runAlone('event pruning', job.work);
      await job.running;
      let ran = false;
      expect(await other.runAlone('event pruning', async () => (ran = true))).toBeNull();
      expect(ran).toBe(false);
      // Another job's name is another lock.
      expect(await other.runAlone('silence pruning', async () => 'other job')).toBe('other job');
      job.release();
      expect(await first).toBe('done');
      expect(await other.runAlone('event pruning', async () => 'now')).toBe('now');
    });
  });

  it('lets go of the lock when the job fails', async () => {
    await otherReplica(async (other) => {
      await expect(
        store().runAlone('event pruning', async () => {
          throw new Error('disk on fire');
        }),
      ).rejects.toThrow('disk on fire');
      expect(await other.runAlone('event pruning', async () => 'ran')).toBe('ran');
    });
  });

  it('lets go of the lock when its connection dies (kill -9 of its replica)', async () => {
    await otherReplica(async (doomed) => {
      const job = heldJob();
      const holding = doomed.runAlone('event pruning', job.work).catch(() => 'connection lost');
      await job.running;
      expect(await store().runAlone('event pruning', async () => 'ran')).toBeNull();
      // As kill -9 would: the server sees the holder's connection go.
      const key = `logwarden:${store().schema}:event pruning`;
      await sql`select pg_terminate_backend(pid) from pg_locks
                 where locktype = 'advisory' and granted
                   and ((classid::bigint << 32) | objid::bigint) = hashtext(${key})::bigint`.execute(
        store().db,
      );
      await expect
        .poll(() => store().runAlone('event pruning', async () => 'ran'), { timeout: 10_000 })
        .toBe('ran');
      job.release();
      await holding;
    });
  });

  it('makes a retention job skip its run, not fail, while another replica prunes', async () => {
    await otherReplica(async (other) => {
      let deletes = 0;
      const retention = new AgeRetention(
        async () => {
          deletes++;
          return 0;
        },
        pino({ level: 'silent' }),
        {
          name: 'test pruning',
          pruned: 'pruned',
          retentionDays: 1,
          batchSize: 10,
          runAlone: other.runAlone,
        },
      );
      const job = heldJob();
      const holder = store().runAlone('test pruning', job.work);
      await job.running;
      expect(await retention.prune()).toBe(0);
      expect(deletes).toBe(0);
      job.release();
      await holder;
      await retention.prune();
      expect(deletes).toBe(1);
    });
  });
});
