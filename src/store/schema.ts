import type { ColumnType, Generated } from 'kysely';

/**
 * The database's shape as Kysely sees it. Times are milliseconds since the epoch
 * (bigint in PostgreSQL, integer in SQLite); flags are 0/1 integers and JSON is text,
 * so one repository works on both dialects unchanged.
 */
export interface Database {
  workloads: WorkloadsTable;
  containers: ContainersTable;
  event_log: EventLogTable;
  /** SQLite only: the trigram index of event_log.message (contentless FTS5). */
  event_log_fts: EventLogFtsTable;
  scan_cursors: ScanCursorsTable;
  scanner_watermark: ScannerWatermarkTable;
  log_scan_rules: LogScanRulesTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  event_triggers: EventTriggersTable;
  trigger_deliveries: TriggerDeliveriesTable;
  store_probe: StoreProbeTable;
  container_lifecycle: ContainerLifecycleTable;
  install_defaults: InstallDefaultsTable;
  incidents: IncidentsTable;
  silences: SilencesTable;
  trigger_group_state: TriggerGroupStateTable;
  rule_condition_state: RuleConditionStateTable;
  hosts: HostsTable;
  rule_set_revision: RuleSetRevisionTable;
  agent_state: AgentStateTable;
  agent_outbox: AgentOutboxTable;
}

/** A Docker host an agent reports (migration 0026); the server's own engine has no row. */
export interface HostsTable {
  id: string;
  name: string;
  engine_id: string | null;
  agent_version: string | null;
  docker_version: string | null;
  docker_reachable: Generated<number>;
  rule_revision: number | null;
  /** The reporting agent's random id per start. */
  agent_boot: string | null;
  first_seen_at: number;
  last_seen_at: number;
  containers: Generated<number>;
  silent_since: number | null;
  /** The boot that reported before agent_boot (migration 0027). */
  previous_boot: string | null;
  /** When a report last came from previous_boot again: two agents share the host id. */
  boot_clash_at: number | null;
  /** When an event last said so. */
  boot_clash_said_at: number | null;
}

/** One row (id 1): the rule set's revision, bumped with every rule change. */
export interface RuleSetRevisionTable {
  id: number;
  revision: number;
}

/** An agent's own keyed state (host identity, store epoch, rule set); server: empty. */
export interface AgentStateTable {
  key: string;
  value: string;
}

/** An agent's events not yet acknowledged by JetStream (JSON NewEvent), in id order. */
export interface AgentOutboxTable {
  id: Generated<number>;
  event: string;
  created_at: number;
}

/**
 * What a count or absence condition remembers about one group key of one rule (JSON),
 * stored in the transaction that stores the cursors of the lines it counted.
 */
export interface RuleConditionStateTable {
  rule_id: number;
  group_key: string;
  state: string;
  updated_at: number;
}

export interface WorkloadsTable {
  id: string;
  name: string;
  kind: 'compose' | 'custom';
  created_at: number;
}

export interface EventLogFtsTable {
  rowid: number;
  message: string;
}

export interface ContainersTable {
  id: string;
  name: string;
  image: string;
  workload_id: string | null;
  compose_service: string | null;
  labels: string;
  state: string;
  exit_code: number | null;
  health: string | null;
  restart_count: number;
  started_at: number | null;
  finished_at: number | null;
  last_seen_at: number;
  logs_available: number;
  tty: number;
  /** The reporting agent's host (migration 0026); null: this process's own engine. */
  host_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the agent observed this state: an older observation never overwrites a newer. */
  observed_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface EventLogTable {
  id: Generated<number>;
  created_at: number;
  source: string;
  severity: string;
  severity_rank: number;
  message: string;
  metadata: string;
  workload_id: string | null;
  container_id: string | null;
  rule_id: number | null;
  /** The incident the event belongs to (migration 0021); null: none. */
  incident_id: Generated<number | null>;
  /** The silence that silenced the event (no notification went out), or null. */
  silenced_by: ColumnType<number | null, number | null | undefined, number | null>;
  /** JSON text {before: string[], after: string[]}: the lines around a rule hit; else null. */
  context: string | null;
  /** The host the event happened on (migration 0026); null: this process's own engine. */
  host_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The agent's Nats-Msg-Id: unique, so a redelivered message is stored once. */
  msg_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ScanCursorsTable {
  container_id: string;
  stream: string;
  /** Nanoseconds since the epoch as decimal text: more than 2^53. */
  ts_nanos: string;
  seen_at_ts: number;
  updated_at: number;
}

/** One row per scanner scope ('local'): milliseconds since the epoch. */
export interface ScannerWatermarkTable {
  scope: string;
  first_watched_at: number;
  last_watched_at: number;
}

export interface LogScanRulesTable {
  id: Generated<number>;
  name: string;
  pattern: string;
  severity: string;
  stream: string;
  cooldown_seconds: number;
  enabled: number;
  /** JSON: the rule's condition ({"type":"line"} unless set). */
  condition: Generated<string>;
  scope: string;
  workload_id: string | null;
  overrides_rule_id: number | null;
  /** Null: the configured default (incidents.resolve_after_seconds). */
  resolve_after_seconds: Generated<number | null>;
  context_before: Generated<number>;
  context_after: Generated<number>;
  context_multiline: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: number;
  password_changed_at: number;
}

export interface SessionsTable {
  /** sha256 of the cookie's token, hex. */
  id: string;
  user_id: number;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  /** sha256 of the token, hex. */
  token_hash: string;
  /** The first characters of the token, to tell tokens apart in a list. */
  prefix: string;
  user_id: number;
  role: string;
  scope: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface EventTriggersTable {
  id: Generated<number>;
  name: string;
  enabled: number;
  /** JSON text. */
  filter: string;
  channel_type: string;
  /** JSON text, credentials included. */
  channel: string;
  secret: string;
  disabled_reason: string | null;
  group_wait_seconds: ColumnType<number, number | undefined, number>;
  group_interval_seconds: ColumnType<number, number | undefined, number>;
  /** JSON text: the transitions notified ('event' | 'opened' | 'reminder' | 'resolved'). */
  notify_on: Generated<string>;
  repeat_interval_seconds: Generated<number>;
  /** How long a delivery of a hit waits for its lines after (0023). */
  context_wait_seconds: Generated<number>;
  created_at: number;
  updated_at: number;
}

/** When a grouped trigger last sent a batch. */
export interface TriggerGroupStateTable {
  trigger_id: number;
  flushed_at: number;
}

export interface TriggerDeliveriesTable {
  id: Generated<number>;
  trigger_id: number;
  event_id: number;
  channel: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status_code: number | null;
  last_error: string | null;
  latency_ms: number | null;
  message_id: string;
  /** JSON text: the event as recorded. */
  event: string;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** event | opened | reminder | resolved. */
  transition: Generated<string>;
  incident_id: Generated<number | null>;
  /** The reminder's number; 0 for other transitions. */
  sequence: Generated<number>;
  host_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The replica that claimed the delivery and until when (many replicas, migration 0026). */
  lease_owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_until: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One row the write probe rewrites to learn whether writes work (store/writability.ts). */
export interface StoreProbeTable {
  id: number;
  written_at: number;
}

export interface ContainerLifecycleTable {
  container_id: string;
  /** JSON text: the inventory's lifecycle memory of the container. */
  memory: string;
  updated_at: number;
}

/** Defaults fixed when the install was first migrated (store/migrations.ts 0018). */
export interface InstallDefaultsTable {
  key: string;
  value: string;
}

/** Events that belong together (src/incidents), open → resolved. */
export interface IncidentsTable {
  id: Generated<number>;
  key: string;
  state: string;
  source: string;
  severity: string;
  rule_id: number | null;
  container_id: string | null;
  workload_id: string | null;
  count: number;
  first_seen: number;
  last_seen: number;
  first_event_id: number;
  last_event_id: number;
  last_message: string;
  resolve_after_seconds: number;
  quiet_at: number;
  resolved_at: number | null;
  resolve_reason: string | null;
  resolved_by_event_id: number | null;
  host_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SilencesTable {
  id: Generated<number>;
  /** JSON text. */
  matchers: string;
  starts_at: number;
  ends_at: number;
  comment: string;
  author: string;
  /** JSON text or null. */
  schedule: string | null;
  ended_by: string | null;
  released_at: number | null;
  created_at: number;
  updated_at: number;
}
