export const SEVERITIES = ['info', 'warn', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank for "severity ≥" filters: info 0 … critical 3. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** Who produced an event. Only producers record events; triggers never do. */
export const EVENT_SOURCES = ['docker', 'logscan', 'system'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** A page of the event log: how many events one read returns by default and at most. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 500;

/** Stored messages are at most this many bytes (UTF-8), cut with `…`. */
export const MAX_MESSAGE_BYTES = 500;

/** Stored metadata is at most this many bytes of JSON; more is cut and marked. */
export const MAX_METADATA_BYTES = 8192;
/** The key that says stored metadata was cut to fit MAX_METADATA_BYTES. */
export const METADATA_TRUNCATED = 'metadata_truncated';

/**
 * The lines around a rule hit, oldest first: `before` the hit's line, `after` it (the
 * rest of its multi-line record and the lines that followed). The hit's own line is
 * the event's message. Log lines: served only to those who may read logs.
 */
export interface EventContext {
  before: string[];
  after: string[];
}

/**
 * A context line keeps at most this many bytes (UTF-8), cut with `…`: a stack frame
 * fits, a 1 MiB line does not make every event that saw it 1 MiB.
 */
export const MAX_CONTEXT_LINE_BYTES = 1024;
/** Lines kept before a hit, at most (a rule's `context.before` is capped here). */
export const MAX_CONTEXT_BEFORE = 20;
/** Lines kept after a hit as a rule asks (`context.after`), at most. */
export const MAX_CONTEXT_AFTER = 50;
/**
 * Lines after a hit, at most, counting the rest of its multi-line record, which is kept
 * even beyond `context.after`: a stack trace of a hundred frames stays whole, a log of
 * nothing but indented lines does not make one endless event.
 */
export const MAX_CONTEXT_AFTER_TOTAL = 100;

export interface NewEvent {
  source: EventSource;
  severity: Severity;
  message: string;
  metadata?: Record<string, unknown>;
  workload_id?: string | null;
  container_id?: string | null;
  rule_id?: number | null;
  /** Milliseconds since the epoch; defaults to now. */
  created_at?: number;
  /** A rule hit's lines before it (and after it, when already known); null: none kept. */
  context?: EventContext | null;
  /** The lines after the hit are still being collected (the scanner writes them later). */
  context_pending?: boolean;
  /** The agent's host that saw it; null or absent: this process's own engine. */
  host_id?: string | null;
  /**
   * The agent's message id (Nats-Msg-Id): an event whose id is stored already is not
   * stored again, so a redelivered message records nothing. Null or absent: no id, never
   * a repeat (what single-host producers record).
   */
  msg_id?: string | null;
}

export interface StoredEvent {
  /** Monotonic: a later record() always gets a larger id. */
  id: number;
  /** Milliseconds since the epoch. */
  created_at: number;
  source: EventSource;
  severity: Severity;
  message: string;
  metadata: Record<string, unknown>;
  workload_id: string | null;
  container_id: string | null;
  rule_id: number | null;
  /** The incident the event opened, joined or resolved (src/incidents); null: none. */
  incident_id: number | null;
  /** The silence that matched it when recorded: it notified nobody. Null when not silenced. */
  silenced_by: number | null;
  /** A rule hit's lines around it; null for other events and rules that keep none. */
  context: EventContext | null;
  /** The agent's host that saw it; null: this process's own engine. */
  host_id: string | null;
  /** The message that brought it from an agent; null for events recorded here. Internal. */
  msg_id: string | null;
  /**
   * Only on an event as it is recorded (what record() returns, what the bus and the
   * append hooks see), never stored: its lines after are still being collected, so a
   * notification may wait for them (a trigger's context_wait_seconds).
   */
  context_pending?: boolean;
}
