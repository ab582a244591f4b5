import { AppError, ErrorCode } from '../errors.js';

/**
 * Why the database refused a write, in the words an operator acts on. Anything else
 * (a constraint, a syntax error) is the caller's problem, not the store's health.
 */
export type StoreFault = 'locked' | 'disk full' | 'read-only' | 'io error' | 'unreachable';

export const STORE_FAULTS: readonly StoreFault[] = [
  'locked',
  'disk full',
  'read-only',
  'io error',
  'unreachable',
];

/** Network errors of the PostgreSQL client: the server is gone or never answered. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended',
  'connect ECONNREFUSED',
];

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The store fault behind an error from better-sqlite3 or pg, or null if it is none. */
export function classifyStoreFault(err: unknown): StoreFault | null {
  if (err instanceof AppError) {
    const reason = err.details?.['store_fault'];
    return typeof reason === 'string' ? (reason as StoreFault) : null;
  }
  const code = codeOf(err);
  // SQLite (better-sqlite3 names extended codes: SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE…).
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code === 'SQLITE_FULL') return 'disk full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return 'io error';
  // PostgreSQL SQLSTATEs.
  if (code === '53100') return 'disk full';
  if (code === '25006') return 'read-only';
  if (code === '55P03') return 'locked';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
    return 'unreachable';
  if (code === '58030') return 'io error';
  if (CONNECTION_CODES.has(code)) return 'unreachable';
  const message = err instanceof Error ? err.message : '';
  if (CONNECTION_MESSAGES.some((m) => message.includes(m))) return 'unreachable';
  return null;
}

/** What the operator reads: "database not writable: disk full", "database unreachable". */
export function describeStoreFault(fault: StoreFault): string {
  return fault === 'unreachable' ? 'database unreachable' : `database not writable: ${fault}`;
}

/** The error callers see: a stable code, the operator's words, the driver's error as cause. */
export function storeFaultError(fault: StoreFault, cause: unknown): AppError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new AppError(ErrorCode.DatabaseUnavailable, `${describeStoreFault(fault)} (${detail})`, {
    cause,
    details: { store_fault: fault },
  });
}
