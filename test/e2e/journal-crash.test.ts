import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalFiles, OperationJournal } from '../../src/audit/index.js';
import { eventually } from '../support/eventually.js';

const writer = fileURLToPath(new URL('../support/journal-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lw-journal-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileText = () =>
  readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('');

/** Runs the writer until the journal has grown by `lines`, then kills it with SIGKILL. */
async function appendAndKill(lines: number): Promise<void> {
  const start = fileText().split('\n').length;
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: 'ignore' });
  const exit = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  try {
    await eventually(() => fileText().split('\n').length >= start + lines, 60_000, 'appends');
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exit).toBe('SIGKILL');
}

describe('journal under kill -9', () => {
  it(
    'loses at most the line being written, and the next run appends cleanly',
    { timeout: 240_000 },
    async () => {
      let lastId = 0;
      for (let round = 0; round < 3; round++) {
        await appendAndKill(300);
        const journal = new OperationJournal({ files: new JournalFiles(dir) });
        const report = await journal.replay();
        // Only a line cut by the kill may be unreadable: one per crash, at most.
        expect(report.skipped_malformed).toBeLessThanOrEqual(round + 1);
        expect(report.skipped_oversized).toBe(0);
        const ids = readable().map((e) => e.id);
        // Every readable line is whole and in order; ids continue across crashes with at
        // most the torn line's id missing per crash.
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
        expect(ids[ids.length - 1]! - ids.length).toBeLessThanOrEqual(round + 1);
        expect(ids[ids.length - 1]!).toBeGreaterThan(lastId);
        lastId = ids[ids.length - 1]!;
        const ring = journal.list({}, { limit: 1 }).items[0]!;
        expect(ring.id).toBe(lastId);
      }
      // A clean append after the crashes is read back whole.
      const journal = new OperationJournal({ files: new JournalFiles(dir) });
      await journal.replay();
      journal.record({ actor: 'test', action: 'after', success: true, source: 'system' });
      journal.close();
      const replayed = new OperationJournal({ files: new JournalFiles(dir) });
      await replayed.replay();
      expect(replayed.list({}, { limit: 1 }).items[0]).toMatchObject({
        id: lastId + 1,
        action: 'after',
      });
    },
  );
});

function readable(): { id: number }[] {
  const out: { id: number }[] = [];
  for (const line of fileText().split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as { id: number });
    } catch {
      // the torn line
    }
  }
  return out;
}
