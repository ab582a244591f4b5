import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type { Logger };

/** Field names whose values never reach a log line, wherever they sit in an object. */
const SECRET_FIELDS = [
  'password',
  'password_hash',
  'passwordHash',
  'token',
  'secret',
  'authorization',
  'cookie',
  'databaseUrl',
  'database_url',
  'setup_token',
];

const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'logwarden' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type Subsystem =
  | 'api'
  | 'audit'
  | 'auth'
  | 'docker'
  | 'events'
  | 'fleet'
  | 'incidents'
  | 'inventory'
  | 'rules'
  | 'scanner'
  | 'store'
  | 'stream'
  | 'triggers'
  | 'silences';

export function subsystemLogger(root: Logger, subsystem: Subsystem): Logger {
  return root.child({ subsystem });
}
