import {
  Migrator,
  sql,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
} from 'kysely';
import { AppError, ErrorCode } from '../errors.js';
import type { Dialect, Store } from './database.js';

/**
 * Migrations are code, named so they sort, and never edited once landed: a change is a
 * new migration. Each gets the dialect because ids and big integers differ.
 */
type DialectMigration = (db: Kysely<unknown>, dialect: Dialect) => Promise<void>;

function autoIncrementId<T extends string, C extends string>(
  table: CreateTableBuilder<T, C>,
  dialect: Dialect,
): CreateTableBuilder<T, C | 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

const MIGRATIONS: Record<string, DialectMigration> = {
  '0001_inventory_and_event_log': async (db, dialect) => {
    await db.schema
      .createTable('workloads')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('kind', 'text', notNull)
      .addColumn('created_at', 'bigint', notNull)
      .execute();

    await db.schema
      .createTable('containers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('image', 'text', notNull)
      .addColumn('workload_id', 'text', (c) => c.references('workloads.id').onDelete('set null'))
      .addColumn('compose_service', 'text')
      .addColumn('labels', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('state', 'text', notNull)
      .addColumn('exit_code', 'integer')
      .addColumn('health', 'text')
      .addColumn('restart_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('last_seen_at', 'bigint', notNull)
      .addColumn('logs_available', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('tty', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('containers_workload')
      .on('containers')
      .column('workload_id')
      .execute();
    await db.schema.createIndex('containers_state').on('containers').column('state').execute();

    await autoIncrementId(db.schema.createTable('event_log'), dialect)
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('source', 'text', notNull)
      .addColumn('severity', 'text', notNull)
      .addColumn('severity_rank', 'integer', notNull)
      .addColumn('message', 'text', notNull)
      .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('workload_id', 'text')
      .addColumn('container_id', 'text')
      .addColumn('rule_id', 'bigint')
      .execute();
    // Every filter is paired with id so keyset pagination stays an index range scan.
    for (const column of [
      'created_at',
      'source',
      'severity_rank',
      'workload_id',
      'container_id',
      'rule_id',
    ]) {
      await db.schema
        .createIndex(`event_log_${column}_id`)
        .on('event_log')
        .columns([column, 'id'])
        .execute();
    }
  },
  '0003_log_scan_rules': async (db, dialect) => {
    await autoIncrementId(db.schema.createTable('log_scan_rules'), dialect)
      .addColumn('name', 'text', notNull)
      .addColumn('pattern', 'text', notNull)
      .addColumn('severity', 'text', (c) => c.notNull().defaultTo('warn'))
      .addColumn('stream', 'text', (c) => c.notNull().defaultTo('both'))
      .addColumn('cooldown_seconds', 'integer', (c) => c.notNull().defaultTo(60))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('scope', 'text', (c) => c.notNull().defaultTo('global'))
      // A workload's rules go with it; a global's overrides go with the global (the
      // service also deletes them explicitly, in the same transaction).
      .addColumn('workload_id', 'text', (c) => c.references('workloads.id').onDelete('cascade'))
      .addColumn('overrides_rule_id', 'bigint', (c) =>
        c.references('log_scan_rules.id').onDelete('cascade'),
      )
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .execute();
    // At most one override per (workload, global rule); NULLs are distinct on both
    // dialects, so globals and a workload's own rules are not constrained.
    await db.schema
      .createIndex('log_scan_rules_override')
      .unique()
      .on('log_scan_rules')
      .columns(['workload_id', 'overrides_rule_id'])
      .execute();
    await db.schema
      .createIndex('log_scan_rules_overrides_rule_id')
      .on('log_scan_rules')
      .column('overrides_rule_id')
      .execute();
  },
  '0004_scan_cursors': async (db) => {
    await db.schema
      .createTable('scan_cursors')
      .addColumn('container_id', 'text', notNull)
      .addColumn('stream', 'text', notNull)
      .addColumn('ts_nanos', 'text', notNull)
      .addColumn('seen_at_ts', 'integer', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .addPrimaryKeyConstraint('scan_cursors_pk', ['container_id', 'stream'])
      .execute();
  },
  '0010_auth': async (db, dialect) => {
    await autoIncrementId(db.schema.createTable('users'), dialect)
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', notNull)
      .addColumn('role', 'text', notNull)
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('password_changed_at', 'bigint', notNull)
      .execute();

    // The id is a hash of the cookie's token: a leaked table cannot be replayed.
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('last_used_at', 'bigint', notNull)
      .addColumn('expires_at', 'bigint', notNull)
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

    await autoIncrementId(db.schema.createTable('api_tokens'), dialect)
      .addColumn('name', 'text', notNull)
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', notNull)
      .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', notNull)
      .addColumn('scope', 'text', notNull)
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('expires_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
  },
  '0011_triggers': async (db, dialect) => {
    await autoIncrementId(db.schema.createTable('event_triggers'), dialect)
      .addColumn('name', 'text', notNull)
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      // JSON: {severities, sources, workloads, message_regex}.
      .addColumn('filter', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('channel_type', 'text', notNull)
      // JSON: the channel's settings, credentials included (never returned by the API).
      .addColumn('channel', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('secret', 'text', notNull)
      // Why the trigger turned itself off (a 410 from the receiver); null otherwise.
      .addColumn('disabled_reason', 'text')
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .execute();

    // The outbox: a row is written for every matching trigger when the event is
    // published, and the worker sends from here, so pending deliveries survive a crash.
    await autoIncrementId(db.schema.createTable('trigger_deliveries'), dialect)
      .addColumn('trigger_id', 'bigint', (c) =>
        c.notNull().references('event_triggers.id').onDelete('cascade'),
      )
      // No foreign key: event retention may prune the event before its delivery ends.
      .addColumn('event_id', 'bigint', notNull)
      .addColumn('channel', 'text', notNull)
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'bigint', notNull)
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('latency_ms', 'integer')
      // Stable across retries: the Standard Webhooks `webhook-id`, for receivers to dedupe.
      .addColumn('message_id', 'text', notNull)
      // JSON: the event as it was when recorded.
      .addColumn('event', 'text', notNull)
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .addColumn('sent_at', 'bigint')
      .execute();
    // One delivery per trigger and event, even if the dispatcher sees an event twice.
    await db.schema
      .createIndex('trigger_deliveries_trigger_event')
      .unique()
      .on('trigger_deliveries')
      .columns(['trigger_id', 'event_id'])
      .execute();
    await db.schema
      .createIndex('trigger_deliveries_due')
      .on('trigger_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('trigger_deliveries_status_id')
      .on('trigger_deliveries')
      .columns(['status', 'id'])
      .execute();
  },
  '0012_scanner_watermark': async (db) => {
    // When the scanner first watched this host and when it last was: decides where a
    // tail without a cursor starts (a container started after the first is read whole).
    await db.schema
      .createTable('scanner_watermark')
      .addColumn('scope', 'text', (c) => c.primaryKey())
      .addColumn('first_watched_at', 'bigint', notNull)
      .addColumn('last_watched_at', 'bigint', notNull)
      .execute();
  },
  // What the inventory remembers about a container's lifecycle (the last exit it judged,
  // the restart-loop episode…), so a restart of Logwarden neither repeats nor re-raises.
  '0014_container_lifecycle': async (db) => {
    await db.schema
      .createTable('container_lifecycle')
      .addColumn('container_id', 'text', (c) => c.primaryKey())
      // JSON: the lifecycle tracker's memory for the container.
      .addColumn('memory', 'text', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .execute();
  },
  '0016_store_probe': async (db) => {
    await db.schema
      .createTable('store_probe')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('written_at', 'bigint', notNull)
      .execute();
  },
  // Text search through an index instead of a scan of every message (issue 18).
  '0017_event_text_index': async (db, dialect) => {
    // Delivery retention finds what to prune through it instead of scanning the outbox.
    await db.schema
      .createIndex('trigger_deliveries_updated_at_id')
      .ifNotExists()
      .on('trigger_deliveries')
      .columns(['updated_at', 'id'])
      .execute();
    if (dialect === 'sqlite') await sqliteEventTextIndex(db);
    else await postgresEventTextIndex(db);
  },
  // Defaults decided once, when the install is first migrated past this point: an
  // install that already has users keeps what it had when a new default would widen
  // access (viewers reading logs, issue 17), a new one gets the new default.
  '0018_install_defaults': async (db) => {
    await db.schema
      .createTable('install_defaults')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', notNull)
      .execute();
    const users = await sql<{ n: number | string }>`select count(*) as n from users`.execute(db);
    const existing = Number(users.rows[0]?.n ?? 0) > 0;
    await sql`insert into install_defaults (key, value)
      values ('auth.viewers_read_logs', ${existing ? 'false' : 'true'})`.execute(db);
  },
  // Containers are addressed by name everywhere an id is accepted (issue 17), and rows
  // are kept after removal: the lookup must not scan them all.
  '0019_containers_name_index': async (db) => {
    await db.schema.createIndex('containers_name').on('containers').column('name').execute();
  },
  // Conditions on a rule (issue 15): count in a window, absence for a time. The state of
  // each (rule, group key) is stored with the resume cursors of the lines it counted.
  '0020_rule_conditions': async (db) => {
    await db.schema
      .alterTable('log_scan_rules')
      .addColumn('condition', 'text', (c) => c.notNull().defaultTo('{"type":"line"}'))
      .execute();
    await db.schema
      .createTable('rule_condition_state')
      // No foreign key: a rule deleted while a tail holds state for it must not fail
      // that tail's commit (its cursors). The scanner forgets the rows of rules that
      // are gone within a second (ConditionTracker.sweep).
      .addColumn('rule_id', 'bigint', notNull)
      .addColumn('group_key', 'text', notNull)
      .addColumn('state', 'text', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .addPrimaryKeyConstraint('rule_condition_state_pk', ['rule_id', 'group_key'])
      .execute();
  },
  // Incidents (issue 15): events that belong together, open → resolved. Each event
  // records its incident; triggers say which transitions they notify; deliveries say
  // which transition (and incident) they carry.
  '0021_incidents': async (db, dialect) => {
    await autoIncrementId(db.schema.createTable('incidents'), dialect)
      .addColumn('key', 'text', notNull)
      .addColumn('state', 'text', notNull)
      .addColumn('source', 'text', notNull)
      .addColumn('severity', 'text', notNull)
      .addColumn('rule_id', 'bigint')
      .addColumn('container_id', 'text')
      .addColumn('workload_id', 'text')
      .addColumn('count', 'bigint', notNull)
      .addColumn('first_seen', 'bigint', notNull)
      .addColumn('last_seen', 'bigint', notNull)
      .addColumn('first_event_id', 'bigint', notNull)
      .addColumn('last_event_id', 'bigint', notNull)
      .addColumn('last_message', 'text', notNull)
      .addColumn('resolve_after_seconds', 'integer', notNull)
      // last_seen + resolve_after: when the sweep resolves it if nothing else came.
      .addColumn('quiet_at', 'bigint', notNull)
      .addColumn('resolved_at', 'bigint')
      // quiet | cleared (an event said so: healthy again, the line is back)
      .addColumn('resolve_reason', 'text')
      .addColumn('resolved_by_event_id', 'bigint')
      .execute();
    // One OPEN incident per key; resolved ones pile up beside it.
    await db.schema
      .createIndex('incidents_open_key')
      .unique()
      .on('incidents')
      .column('key')
      .where(sql.ref('state'), '=', 'open')
      .execute();
    await db.schema
      .createIndex('incidents_state_quiet')
      .on('incidents')
      .columns(['state', 'quiet_at'])
      .execute();
    await db.schema
      .createIndex('incidents_rule')
      .on('incidents')
      .columns(['rule_id', 'id'])
      .execute();
    await db.schema
      .createIndex('incidents_container')
      .on('incidents')
      .columns(['container_id', 'id'])
      .execute();

    await db.schema.alterTable('event_log').addColumn('incident_id', 'bigint').execute();
    await db.schema
      .createIndex('event_log_incident')
      .on('event_log')
      .columns(['incident_id', 'id'])
      .execute();

    await db.schema
      .alterTable('log_scan_rules')
      .addColumn('resolve_after_seconds', 'integer')
      .execute();

    // Existing triggers keep notifying every event: an upgrade changes no behaviour.
    await db.schema
      .alterTable('event_triggers')
      .addColumn('notify_on', 'text', (c) => c.notNull().defaultTo('["event"]'))
      .execute();
    await db.schema
      .alterTable('event_triggers')
      .addColumn('repeat_interval_seconds', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();

    // event | opened | reminder | resolved; the incident for the last three; the
    // reminder's number (0 otherwise).
    await db.schema
      .alterTable('trigger_deliveries')
      .addColumn('transition', 'text', (c) => c.notNull().defaultTo('event'))
      .execute();
    await db.schema.alterTable('trigger_deliveries').addColumn('incident_id', 'bigint').execute();
    await db.schema
      .alterTable('trigger_deliveries')
      .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    // A resolved notice may refer to the event an opened one refers to.
    await db.schema.dropIndex('trigger_deliveries_trigger_event').execute();
    await db.schema
      .createIndex('trigger_deliveries_trigger_event')
      .unique()
      .on('trigger_deliveries')
      .columns(['trigger_id', 'event_id', 'transition', 'sequence'])
      .execute();
    // One notice per trigger, incident and transition (reminder: per number), whoever
    // stages it; null incidents (per-event deliveries) never collide.
    await db.schema
      .createIndex('trigger_deliveries_incident')
      .unique()
      .on('trigger_deliveries')
      .columns(['trigger_id', 'incident_id', 'transition', 'sequence'])
      .execute();
  },
  // Silences (issue 15): operators mute notifications by matchers for a time; the events
  // they silence are still recorded, marked with the silence's id.
  '0022_silences': async (db, dialect) => {
    await autoIncrementId(db.schema.createTable('silences'), dialect)
      // JSON: {rules, containers, workloads, hosts, severities, message_regex}.
      .addColumn('matchers', 'text', notNull)
      .addColumn('starts_at', 'bigint', notNull)
      .addColumn('ends_at', 'bigint', notNull)
      .addColumn('comment', 'text', notNull)
      .addColumn('author', 'text', notNull)
      // JSON: a recurring window {days, start, duration_minutes, timezone}; null for none.
      .addColumn('schedule', 'text')
      .addColumn('ended_by', 'text')
      // When the end of the silence was handled (journaled, held notifications sent).
      .addColumn('released_at', 'bigint')
      .addColumn('created_at', 'bigint', notNull)
      .addColumn('updated_at', 'bigint', notNull)
      .execute();
    await db.schema.createIndex('silences_ends_at').on('silences').columns(['ends_at']).execute();
    // No foreign key: a silence is pruned after its retention, its events may stay longer.
    await db.schema.alterTable('event_log').addColumn('silenced_by', 'bigint').execute();
  },
  // The lines around a hit (issue 15): what each rule keeps (existing rules get the
  // defaults, 5 before, 10 after, multi-line records whole), the lines an event kept
  // (JSON {before, after}, null for events without), and how long a trigger's
  // delivery waits for the lines after.
  '0023_event_context': async (db) => {
    await db.schema
      .alterTable('log_scan_rules')
      .addColumn('context_before', 'integer', (c) => c.notNull().defaultTo(5))
      .execute();
    await db.schema
      .alterTable('log_scan_rules')
      .addColumn('context_after', 'integer', (c) => c.notNull().defaultTo(10))
      .execute();
    await db.schema
      .alterTable('log_scan_rules')
      .addColumn('context_multiline', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema.alterTable('event_log').addColumn('context', 'text').execute();
    await db.schema
      .alterTable('event_triggers')
      .addColumn('context_wait_seconds', 'integer', (c) => c.notNull().defaultTo(3))
      .execute();
  },
  // Grouping (issue 15): a trigger may batch what arrives together into one message.
  '0024_trigger_grouping': async (db) => {
    for (const column of ['group_wait_seconds', 'group_interval_seconds'])
      await db.schema
        .alterTable('event_triggers')
        .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    // When each grouped trigger last sent its group: the next batch waits group_interval.
    await db.schema
      .createTable('trigger_group_state')
      .addColumn('trigger_id', 'bigint', (c) =>
        c.primaryKey().references('event_triggers.id').onDelete('cascade'),
      )
      .addColumn('flushed_at', 'bigint', notNull)
      .execute();
    // The batch a grouped trigger is collecting: its pending rows, found without a scan of
    // the trigger's history.
    await db.schema
      .createIndex('trigger_deliveries_trigger_pending')
      .on('trigger_deliveries')
      .columns(['trigger_id', 'status', 'next_attempt_at'])
      .execute();
  },
  // SQLite: FTS5 merges its index's segments inside whichever write crosses a threshold,
  // and merges away a segment that retention has emptied by a tenth: a second or more on
  // the only thread once the index is large. Writes stop merging; TextIndexMerger
  // (src/events/text-index-merger.ts) does it in small steps in the background. A level
  // reaching FTS5's crisis threshold (16 segments) still merges inline: only if the
  // background merger falls far behind.
  '0025_event_text_index_background_merge': async (db, dialect) => {
    if (dialect !== 'sqlite') return;
    await sql`insert into event_log_fts(event_log_fts, rank) values ('automerge', 0)`.execute(db);
  },
  // Many hosts (issue 14, docs/design/scale-out-contract.md). A null host_id is "this
  // process's own engine", so single-host rows need no backfill. msg_id is the agent's
  // deterministic Nats-Msg-Id: the unique key drops a message JetStream redelivered or an
  // agent re-published after the duplicate window (NULLs are distinct on both dialects).
  // The agent_* tables are an agent's own SQLite file's; the server leaves them empty.
  '0026_hosts': async (db, dialect) => {
    await db.schema
      .createTable('hosts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('engine_id', 'text')
      .addColumn('agent_version', 'text')
      .addColumn('docker_version', 'text')
      .addColumn('docker_reachable', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('rule_revision', 'bigint')
      .addColumn('agent_boot', 'text')
      .addColumn('first_seen_at', 'bigint', notNull)
      .addColumn('last_seen_at', 'bigint', notNull)
      .addColumn('containers', 'integer', (c) => c.notNull().defaultTo(0))
      // When the agent was declared silent (an event was recorded); null while it reports.
      .addColumn('silent_since', 'bigint')
      .execute();
    for (const table of ['containers', 'event_log', 'incidents', 'trigger_deliveries'])
      await db.schema.alterTable(table).addColumn('host_id', 'text').execute();
    await db.schema.alterTable('event_log').addColumn('msg_id', 'text').execute();
    await db.schema
      .createIndex('event_log_msg_id')
      .on('event_log')
      .column('msg_id')
      .unique()
      .execute();
    await db.schema
      .createIndex('event_log_host_id')
      .on('event_log')
      .columns(['host_id', 'id'])
      .execute();
    await db.schema.alterTable('containers').addColumn('observed_at', 'bigint').execute();
    await db.schema.alterTable('trigger_deliveries').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('trigger_deliveries').addColumn('lease_until', 'bigint').execute();
    // One row: bumped in the transaction of every rule change, published to the KV bucket.
    await db.schema
      .createTable('rule_set_revision')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('revision', 'bigint', notNull)
      .execute();
    await sql`insert into rule_set_revision (id, revision) values (1, 0)`.execute(db);
    // An agent's own state: its host identity, its store epoch, the rule set it runs.
    await db.schema
      .createTable('agent_state')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', notNull)
      .execute();
    // Events an agent recorded and has not yet seen JetStream acknowledge, in order.
    await autoIncrementId(db.schema.createTable('agent_outbox'), dialect)
      .addColumn('event', 'text', notNull)
      .addColumn('created_at', 'bigint', notNull)
      .execute();
  },
  // Two agents started with one host id (a cloned VM with its --host-id) report in turns:
  // the boot before the current one coming back is the sign (docs/scale-out.md).
  '0027_host_boot_clash': async (db) => {
    await db.schema.alterTable('hosts').addColumn('previous_boot', 'text').execute();
    await db.schema.alterTable('hosts').addColumn('boot_clash_at', 'bigint').execute();
    await db.schema.alterTable('hosts').addColumn('boot_clash_said_at', 'bigint').execute();
  },
};

/**
 * SQLite: a contentless FTS5 table of trigrams of every message, kept in step by
 * triggers (so every writer, bulk or not, keeps it right). Trigrams find substrings of
 * three characters or more; detail=none keeps it small and the caller rechecks the
 * candidates with LIKE. Then the file switches to incremental auto-vacuum, so space that
 * retention frees can be handed back: that needs one VACUUM of an existing file, done
 * here, once (it rewrites the file: minutes for a database of millions of events).
 */
async function sqliteEventTextIndex(db: Kysely<unknown>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`create virtual table if not exists event_log_fts using fts5(
      message, content='', contentless_delete=1, tokenize='trigram', detail=none)`.execute(tx);
    await sql`insert into event_log_fts(event_log_fts) values ('delete-all')`.execute(tx);
    await sql`insert into event_log_fts(rowid, message) select id, message from event_log`.execute(
      tx,
    );
    await sql`create trigger if not exists event_log_fts_insert after insert on event_log begin
      insert into event_log_fts(rowid, message) values (new.id, new.message); end`.execute(tx);
    await sql`create trigger if not exists event_log_fts_delete after delete on event_log begin
      delete from event_log_fts where rowid = old.id; end`.execute(tx);
    await sql`create trigger if not exists event_log_fts_update after update of message on event_log begin
      delete from event_log_fts where rowid = old.id;
      insert into event_log_fts(rowid, message) values (new.id, new.message); end`.execute(tx);
  });
  const { rows } = await sql<{ auto_vacuum: number }>`pragma auto_vacuum`.execute(db);
  // 2 = incremental. A new file already is (openStore sets it before the first table).
  if (Number(rows[0]?.auto_vacuum) !== 2) {
    await sql`pragma auto_vacuum = incremental`.execute(db);
    await sql`vacuum`.execute(db);
  }
}

/**
 * PostgreSQL: a GIN trigram index on lower(message), which the `lower(message) like
 * '%…%'` of the search uses as it is. pg_trgm ships with PostgreSQL (contrib) and is a
 * trusted extension, but a role may still not be allowed to create it: then the search
 * keeps scanning, and docs/operations.md says how to add the index by hand.
 */
async function postgresEventTextIndex(db: Kysely<unknown>): Promise<void> {
  const opclass = async () =>
    (
      await sql<{ schema: string }>`select n.nspname as schema from pg_opclass c
        join pg_namespace n on n.oid = c.opcnamespace
        join pg_am a on a.oid = c.opcmethod
        where c.opcname = 'gin_trgm_ops' and a.amname = 'gin' limit 1`.execute(db)
    ).rows[0]?.schema;
  let schema = await opclass();
  if (schema === undefined) {
    await sql`savepoint create_pg_trgm`.execute(db);
    try {
      await sql`create extension if not exists pg_trgm`.execute(db);
      await sql`release savepoint create_pg_trgm`.execute(db);
    } catch {
      await sql`rollback to savepoint create_pg_trgm`.execute(db);
      return;
    }
    schema = await opclass();
    if (schema === undefined) return;
  }
  await sql`create index event_log_message_trgm on event_log
    using gin (lower(message) ${sql.id(schema, 'gin_trgm_ops')})`.execute(db);
}

class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, up] of Object.entries(MIGRATIONS)) {
      out[name] = { up: (db) => up(db, this.dialect) };
    }
    return Promise.resolve(out);
  }
}

export interface MigrationReport {
  applied: string[];
}

export function migrateToLatest(store: Store): Promise<MigrationReport> {
  return migrate(store, (migrator) => migrator.migrateToLatest());
}

/** Up to and including `name`: how a test makes the database an older version left. */
export function migrateUpTo(store: Store, name: string): Promise<MigrationReport> {
  return migrate(store, (migrator) => migrator.migrateTo(name));
}

async function migrate(
  store: Store,
  run: (migrator: Migrator) => ReturnType<Migrator['migrateToLatest']>,
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: store.db,
    provider: new CodeMigrationProvider(store.dialect),
    // Kysely looks for its own tables in every schema; name ours, or a lock table in
    // another schema of the same database passes for this one's.
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const { error, results } = await run(migrator);
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new AppError(
      ErrorCode.DatabaseUnavailable,
      `migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`,
      { cause: error },
    );
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}

/** Used by `logwarden migrate --status` and tests. */
export async function appliedMigrations(store: Store): Promise<string[]> {
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`
    .execute(store.db)
    .catch(() => ({ rows: [] as { name: string }[] }));
  return rows.rows.map((r) => r.name);
}

export const MIGRATION_NAMES = Object.keys(MIGRATIONS);
