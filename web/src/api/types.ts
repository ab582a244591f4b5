/** The API's JSON shapes (snake_case, times as ISO 8601 strings). */

export type Severity = 'info' | 'warn' | 'error' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warn', 'error', 'critical'];

export type EventSource = 'docker' | 'logscan' | 'system';
export const EVENT_SOURCES: readonly EventSource[] = ['docker', 'logscan', 'system'];

export interface LogEvent {
  id: number;
  created_at: string;
  source: EventSource;
  severity: Severity;
  message: string;
  metadata: Record<string, unknown>;
  workload_id: string | null;
  container_id: string | null;
  rule_id: number | null;
}

export type ContainerState =
  'running' | 'stopped' | 'created' | 'restarting' | 'paused' | 'removing' | 'missing';

export interface Container {
  id: string;
  name: string;
  image: string;
  workload_id: string | null;
  compose_service: string | null;
  labels: Record<string, string>;
  state: ContainerState;
  exit_code: number | null;
  health: string | null;
  restart_count: number;
  started_at: string | null;
  finished_at: string | null;
  last_seen_at: string | null;
  logs_available: boolean;
  tty: boolean;
}

export interface Workload {
  id: string;
  name: string;
  kind: 'compose' | 'custom';
  created_at: string;
}

export type RuleStream = 'stdout' | 'stderr' | 'both';

export interface Rule {
  id: number;
  name: string;
  pattern: string;
  severity: Severity;
  stream: RuleStream;
  cooldown_seconds: number;
  enabled: boolean;
  scope: 'global' | 'workload';
  workload_id: string | null;
  overrides_rule_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface EffectiveRule extends Rule {
  source: 'global' | 'workload' | 'override';
}

export interface RuleTestResult {
  matched: boolean;
  captures: Record<string, string>;
}

export interface Readiness {
  ready: boolean;
  checks: {
    database: { ok: boolean; dialect: string; error?: string };
    docker: {
      ok: boolean;
      reachable: boolean;
      version: string | null;
      api_version: string | null;
      error: string | null;
      checked_at: string | null;
    };
  };
}

export interface TailStats {
  container_id: string;
  container_name: string;
  status: string;
  lines: number;
  hits: number;
  last_line_at: number | null;
  last_error: string | null;
}

export interface ScannerStats {
  lines_scanned: number;
  bytes_scanned: number;
  hits: number;
  cooldown_drops: number;
  rate_drops: number;
  truncated_lines: number;
  corrupt_streams: number;
  reconnects: number;
  active_tails: number;
  tails: TailStats[];
  rules: { version: number; compiled: number };
  last_compile_errors: { rule_id: number; name: string; error: string }[];
}

export interface User {
  id: number | null;
  username: string;
  role: 'admin' | 'viewer';
  /** How /api/me's caller proved who they are (the UI: always `session`). */
  via?: 'session' | 'token';
}

export interface UserRecord extends User {
  id: number;
  disabled: boolean;
  created_at: string | null;
  password_changed_at: string | null;
}

export interface ApiToken {
  id: number;
  name: string;
  prefix: string;
  role: 'admin' | 'viewer';
  scope: 'full' | 'metrics';
  created_at: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One line of `/api/stream/logs/:container` (an unnamed SSE message). */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Docker's RFC3339Nano timestamp; null when the line had none. */
  timestamp: string | null;
  text: string;
  /** Cut at 1 MiB. */
  truncated?: boolean;
  /** `history`: the tail sent first; `tail`: read by the scanner; `follow`: no scanner tail runs. */
  origin: 'history' | 'tail' | 'follow';
  /** Rules the line matched: only on lines the scanner read (`origin: tail`). */
  rules?: string[];
}

/** `event: end` of a log stream: no more lines will come on it. */
export interface LogStreamEnd {
  reason: 'container stopped' | 'error';
  code?: string;
  message?: string;
}

/** One operation of the journal (`GET /api/audit`). */
export interface JournalEntry {
  id: number;
  /** ISO 8601, UTC. */
  time: string;
  actor: string;
  action: string;
  object: string | null;
  success: boolean;
  error_code: string | null;
  source: string;
  details?: Record<string, unknown>;
  before?: unknown;
  after?: unknown;
}

export interface Setting {
  key: string;
  env: string;
  value: unknown;
  doc: string;
}
