/**
 * Appends to a journal in a loop until killed: the crash test's victim.
 * Usage: node --import tsx test/support/journal-writer.ts DIR
 */
import { JournalFiles, OperationJournal } from '../../src/audit/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: journal-writer DIR');
const journal = new OperationJournal({ files: new JournalFiles(dir) });
await journal.replay();
for (let i = 1; ; i++) {
  journal.record({
    actor: 'writer',
    action: 'loop',
    object: `n${i}`,
    success: true,
    source: 'system',
    // Lines of varying, larger sizes make a kill mid-write likelier.
    details: { pad: 'x'.repeat(2000 + (i % 13) * 3000) },
  });
  if (i % 100 === 0) await new Promise((r) => setImmediate(r));
}
