/**
 * Appends to a journal in a loop until killed: the crash test's victim. Bounded all the
 * same (entries, time, and its parent still being there), so a test that fails before
 * its kill never leaves a writer filling the disk. Having written its bound it idles
 * rather than exits, so the kill the test expects still finds it.
 * Usage: node --import tsx test/support/journal-writer.ts DIR
 */
import { JournalFiles, OperationJournal } from '../../src/audit/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: journal-writer DIR');
const journal = new OperationJournal({ files: new JournalFiles(dir) });
await journal.replay();
const MAX_ENTRIES = 5_000;
const deadline = Date.now() + 120_000;
const parent = process.ppid;
const stillWanted = () => Date.now() <= deadline && process.ppid === parent;
for (let i = 1; i <= MAX_ENTRIES; i++) {
  journal.record({
    actor: 'writer',
    action: 'loop',
    object: `n${i}`,
    success: true,
    source: 'system',
    // Lines of varying, larger sizes make a kill mid-write likelier.
    details: { pad: 'x'.repeat(2000 + (i % 13) * 3000) },
  });
  if (i % 100 === 0) {
    if (!stillWanted()) break;
    await new Promise((r) => setImmediate(r));
  }
}
journal.close();
while (stillWanted()) await new Promise((r) => setTimeout(r, 200));
