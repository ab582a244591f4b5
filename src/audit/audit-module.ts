import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { JournalFiles } from './day-files.js';
import { OperationJournal } from './journal.js';
import type { ReplayReport } from './model.js';
import { JournalRetention } from './retention.js';

export interface AuditDeps {
  log: Logger;
  /** Values never to be written (database credentials); more can be added later. */
  knownSecrets?: () => Iterable<string>;
}

export interface Audit {
  journal: OperationJournal;
  retention: JournalRetention;
  /** Refills the ring from the day files and starts retention. */
  start(): Promise<ReplayReport>;
  stop(): Promise<void>;
}

/** The operations journal over `<data dir>/audit`, the same for `serve` and the CLI. */
export function createAudit(deps: AuditDeps, config: Config): Audit {
  const files = new JournalFiles(join(config.dataDir, 'audit'));
  const journal = new OperationJournal({ files, knownSecrets: deps.knownSecrets, log: deps.log });
  const retention = new JournalRetention(files, config.auditRetentionDays, deps.log);
  return {
    journal,
    retention,
    async start() {
      const report = await journal.replay();
      retention.start();
      return report;
    },
    async stop() {
      await retention.stop();
      journal.close();
    },
  };
}
