/**
 * The API's JSON shapes, as the server's wire contract (src/api/wire) declares them, and
 * the enums as the domain models hold them: the UI restates neither.
 */
import type { Static } from '@sinclair/typebox';
import type { Principal } from '../../../src/api/wire/auth.js';
import type { LogSearchEnd, LogSearchLine } from '../../../src/api/wire/logs.js';

export { SEVERITIES, EVENT_SOURCES } from '../../../src/events/model.js';
export { CONTAINER_STATES } from '../../../src/inventory/model.js';

export type { Severity, EventSource, LogEvent } from '../../../src/api/wire/events.js';
export type { Container, ContainerState, Workload } from '../../../src/api/wire/inventory.js';
export type {
  Rule,
  RuleStream,
  EffectiveRule,
  RuleTestResult,
} from '../../../src/api/wire/rules.js';
export type { Readiness, TailStats, ScannerStats, Setting } from '../../../src/api/wire/system.js';
export type { UserRecord, ApiToken, CreatedToken } from '../../../src/api/wire/auth.js';
export type {
  LogLine,
  LogStreamEnd,
  InventoryChange,
  InventorySnapshot,
} from '../../../src/api/wire/stream.js';
export type { JournalEntry } from '../../../src/api/wire/audit.js';
export type { ErrorBody } from '../../../src/api/wire/errors.js';

/** Who is signed in, as /api/me says: with what the role and the install let them do. */
export type User = Principal;

/** A line of a history read (`GET /api/containers/:id/logs`, NDJSON). */
export type HistoryLine = Static<typeof LogSearchLine>;
/** The last message of a history read: why it ended. */
export type HistoryEnd = Static<typeof LogSearchEnd>;
