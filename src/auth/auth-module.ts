import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Database } from '../store/index.js';
import { AuthService, type AuthJournal } from './auth-service.js';
import { FirstRun } from './first-run.js';
import { LogAccessSetting } from './log-access.js';

export interface AuthDeps {
  db: Kysely<Database>;
  journal: AuthJournal;
  log: Logger;
}

export interface Auth {
  service: AuthService;
  firstRun: FirstRun;
  /** Whether viewers may read logs (`auth.viewers_read_logs` or the install's default). */
  logAccess: LogAccessSetting;
  /**
   * Writes the setup token when there are no users yet, drops expired sessions and
   * reads the install's defaults.
   */
  start(): Promise<void>;
}

/** Users, sessions and API tokens, the same for `serve` and `logwarden users|tokens`. */
export function createAuth(deps: AuthDeps, config: Config): Auth {
  const service = AuthService.forDatabase(deps.db, {
    journal: deps.journal,
    log: deps.log,
    options: {
      sessionIdleMs: config.authSessionIdleHours * 3_600_000,
      sessionAbsoluteMs: config.authSessionAbsoluteDays * 86_400_000,
    },
  });
  const firstRun = new FirstRun(service, config.dataDir, deps.log, deps.journal);
  const logAccess = new LogAccessSetting(deps.db, config.authViewersReadLogs);
  return {
    service,
    firstRun,
    logAccess,
    async start() {
      await logAccess.load();
      await firstRun.prepare();
      await service.pruneSessions();
    },
  };
}
