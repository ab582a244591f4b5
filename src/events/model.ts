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
  /** The silence that matched it when recorded: it notified nobody. Null when not silenced. */
  silenced_by: number | null;
}
