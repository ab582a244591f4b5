import {
  EVENT_SOURCES,
  MAX_CONTEXT_AFTER_TOTAL,
  MAX_CONTEXT_BEFORE,
  SEVERITIES,
  type EventContext,
  type NewEvent,
} from '../events/model.js';
import { CONTAINER_STATES, type ContainerRecord } from '../inventory/model.js';
import { parseHostSubject, type StreamKind } from '../nats/subjects.js';

/**
 * What agents publish into the stream (docs/design/scale-out-contract.md, "Messages"),
 * and the one check every message passes before a replica acts on it. The host is the
 * subject's: a payload naming another is refused, so an agent's NATS permissions
 * (publish `logwarden.<own host>.>`) are what bind it to its host.
 */

export const MESSAGE_VERSION = 1;

export interface Envelope {
  v: 1;
  host: string;
  /** A random id per agent start. */
  agent: string;
  /** Milliseconds since the epoch, the agent's clock. */
  sent_at: number;
}

/** A hit's line in Docker's log: `tie` counts the lines of that stream with the same timestamp. */
export interface LinePosition {
  stream: 'stdout' | 'stderr';
  ts_nanos: string;
  tie: number;
}

export type HitMessage = Envelope & { type: 'hit'; event: NewEvent; line: LinePosition };
/** The completed lines around a hit; `hit` is the hit's Nats-Msg-Id. */
export type ContextMessage = Envelope & { type: 'context'; hit: string; context: EventContext };
export type EventMessage = Envelope & { type: 'event'; event: NewEvent };

export const INVENTORY_CHANGES = ['started', 'stopped', 'gone', 'updated'] as const;
export type InventoryChangeKind = (typeof INVENTORY_CHANGES)[number];

export type InventoryChange = Envelope & {
  type: 'container';
  change: InventoryChangeKind;
  container: ContainerRecord;
  observed_at: number;
};

/** One part of the containers a full resync found; `part` counts from 0. */
export type InventorySnapshot = Envelope & {
  type: 'snapshot';
  snapshot: string;
  part: number;
  parts: number;
  containers: ContainerRecord[];
};

export type AgentStatus = Envelope & {
  type: 'status';
  /** A counter per agent start. */
  n: number;
  name: string;
  agent_version: string;
  rule_revision: number | null;
  docker: { engine_id: string; version: string | null; reachable: boolean };
  containers: number;
  publish_failures: number;
};

export type FleetMessage =
  HitMessage | ContextMessage | EventMessage | InventoryChange | InventorySnapshot | AgentStatus;

export type FleetMessageType = FleetMessage['type'];

/** Which message types each subject carries. */
const TYPES_OF: Record<StreamKind, readonly FleetMessageType[]> = {
  hits: ['hit', 'context'],
  events: ['event'],
  inventory: ['container', 'snapshot'],
  status: ['status'],
};

/** The stream's own bound on one message (max_msg_size). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_ID = 256;
const MAX_NAME = 256;
/** An event's message before it is cut to what is stored (MAX_MESSAGE_BYTES of events). */
const MAX_EVENT_TEXT = 64 * 1024;
const MAX_CONTEXT_LINE = 64 * 1024;
const MAX_LABELS = 1024;
/** Containers in one snapshot part (a part is ≤ 512 KiB: far fewer fit). */
const MAX_PART_CONTAINERS = 10_000;
/** Parts of one snapshot: 1 GiB of containers at 512 KiB a part is already absurd. */
export const MAX_SNAPSHOT_PARTS = 2048;

export type ValidationResult =
  | { ok: true; host: string; message: FleetMessage }
  | { ok: false; host: string | null; reason: string };

/** Thrown inside the checks only: `reason` names the field. */
class Invalid extends Error {}

function fail(field: string, what: string): never {
  throw new Invalid(`${field}: ${what}`);
}

type Obj = Record<string, unknown>;

function object(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(field, 'not an object');
  return value as Obj;
}

/** Refuses keys beyond `allowed`: a field we do not read is a field we would silently drop. */
function only(value: Obj, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value))
    if (!allowed.includes(key)) fail(field ? `${field}.${key}` : key, 'unknown field');
}

function text(value: unknown, field: string, max: number, min = 0): string {
  if (typeof value !== 'string') fail(field, 'not a string');
  if (value.length < min) fail(field, 'empty');
  if (value.length > max) fail(field, `longer than ${max}`);
  return value;
}

/**
 * A string stored as it is in a text column: PostgreSQL refuses a NUL there, and a batch
 * it fails would come back for ever. Log text (messages, context lines, labels) is made
 * storable on the way in or stored as JSON, so it is checked with `text`.
 */
function string(value: unknown, field: string, max: number, min = 0): string {
  const out = text(value, field, max, min);
  if (out.includes('\u0000')) fail(field, 'contains a NUL character');
  return out;
}

function stringOrNull(value: unknown, field: string, max: number): string | null {
  return value === null ? null : string(value, field, max);
}

function integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(field, 'not an integer');
  if (value < min || value > max) fail(field, `out of range ${min}..${max}`);
  return value;
}

function integerOrNull(value: unknown, field: string, min: number): number | null {
  return value === null ? null : integer(value, field, min);
}

/** Milliseconds since the epoch. */
function time(value: unknown, field: string): number {
  return integer(value, field, 0);
}

function timeOrNull(value: unknown, field: string): number | null {
  return value === null ? null : time(value, field);
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, 'not a boolean');
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, values: readonly T[]): T {
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
    fail(field, `not one of ${values.join(', ')}`);
  return value as T;
}

function array(value: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(field, 'not an array');
  if (value.length > max) fail(field, `more than ${max} items`);
  return value;
}

function lines(value: unknown, field: string, max: number): string[] {
  return array(value, field, max).map((l, i) => text(l, `${field}[${i}]`, MAX_CONTEXT_LINE));
}

function context(value: unknown, field: string): EventContext {
  const c = object(value, field);
  only(c, field, ['before', 'after']);
  return {
    before: lines(c.before, `${field}.before`, MAX_CONTEXT_BEFORE),
    after: lines(c.after, `${field}.after`, MAX_CONTEXT_AFTER_TOTAL),
  };
}

const EVENT_FIELDS = [
  'source',
  'severity',
  'message',
  'metadata',
  'workload_id',
  'container_id',
  'rule_id',
  'created_at',
  'context',
  'context_pending',
  'host_id',
];

function event(value: unknown, field: string, host: string): NewEvent {
  const e = object(value, field);
  only(e, field, EVENT_FIELDS);
  if (e.host_id !== undefined && e.host_id !== host)
    fail(`${field}.host_id`, `names another host than the subject's (${host})`);
  const out: NewEvent = {
    source: oneOf(e.source, `${field}.source`, EVENT_SOURCES),
    severity: oneOf(e.severity, `${field}.severity`, SEVERITIES),
    message: text(e.message, `${field}.message`, MAX_EVENT_TEXT),
  };
  if (e.metadata !== undefined) out.metadata = object(e.metadata, `${field}.metadata`);
  if (e.workload_id !== undefined)
    out.workload_id = stringOrNull(e.workload_id, `${field}.workload_id`, MAX_ID);
  if (e.container_id !== undefined)
    out.container_id = stringOrNull(e.container_id, `${field}.container_id`, MAX_ID);
  if (e.rule_id !== undefined) out.rule_id = integerOrNull(e.rule_id, `${field}.rule_id`, 1);
  if (e.created_at !== undefined) out.created_at = time(e.created_at, `${field}.created_at`);
  if (e.context !== undefined && e.context !== null)
    out.context = context(e.context, `${field}.context`);
  if (e.context_pending !== undefined)
    out.context_pending = boolean(e.context_pending, `${field}.context_pending`);
  return out;
}

function linePosition(value: unknown, field: string): LinePosition {
  const l = object(value, field);
  only(l, field, ['stream', 'ts_nanos', 'tie']);
  const tsNanos = string(l.ts_nanos, `${field}.ts_nanos`, 32, 1);
  if (!/^\d+$/.test(tsNanos)) fail(`${field}.ts_nanos`, 'not a decimal integer');
  return {
    stream: oneOf(l.stream, `${field}.stream`, ['stdout', 'stderr'] as const),
    ts_nanos: tsNanos,
    tie: integer(l.tie, `${field}.tie`, 0),
  };
}

const CONTAINER_FIELDS: readonly (keyof ContainerRecord)[] = [
  'id',
  'name',
  'image',
  'workload_id',
  'compose_service',
  'labels',
  'state',
  'exit_code',
  'health',
  'restart_count',
  'started_at',
  'finished_at',
  'last_seen_at',
  'logs_available',
  'tty',
];

function labels(value: unknown, field: string): Record<string, string> {
  const l = object(value, field);
  const keys = Object.keys(l);
  if (keys.length > MAX_LABELS) fail(field, `more than ${MAX_LABELS} labels`);
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = text(l[key], `${field}.${key}`, MAX_EVENT_TEXT);
  return out;
}

function container(value: unknown, field: string): ContainerRecord {
  const c = object(value, field);
  only(c, field, CONTAINER_FIELDS);
  const id = string(c.id, `${field}.id`, 64, 1);
  if (!/^[0-9a-f]{64}$/.test(id)) fail(`${field}.id`, 'not a full container id (64 hex digits)');
  return {
    id,
    name: string(c.name, `${field}.name`, MAX_NAME),
    image: string(c.image, `${field}.image`, 1024),
    workload_id: stringOrNull(c.workload_id, `${field}.workload_id`, MAX_ID),
    compose_service: stringOrNull(c.compose_service, `${field}.compose_service`, MAX_NAME),
    labels: labels(c.labels, `${field}.labels`),
    state: oneOf(c.state, `${field}.state`, CONTAINER_STATES),
    exit_code: c.exit_code === null ? null : integer(c.exit_code, `${field}.exit_code`, -(2 ** 31)),
    health: stringOrNull(c.health, `${field}.health`, 64),
    restart_count: integer(c.restart_count, `${field}.restart_count`, 0),
    started_at: timeOrNull(c.started_at, `${field}.started_at`),
    finished_at: timeOrNull(c.finished_at, `${field}.finished_at`),
    last_seen_at: time(c.last_seen_at, `${field}.last_seen_at`),
    logs_available: boolean(c.logs_available, `${field}.logs_available`),
    tty: boolean(c.tty, `${field}.tty`),
  };
}

const ENVELOPE = ['v', 'host', 'agent', 'sent_at', 'type'];

function checkEnvelope(m: Obj, host: string): Envelope {
  if (m.v !== MESSAGE_VERSION) fail('v', `not ${MESSAGE_VERSION}`);
  const named = string(m.host, 'host', 64);
  if (named !== host) fail('host', `names another host than the subject's (${host})`);
  return {
    v: MESSAGE_VERSION,
    host,
    agent: string(m.agent, 'agent', 64, 1),
    sent_at: time(m.sent_at, 'sent_at'),
  };
}

function body(m: Obj, env: Envelope): FleetMessage {
  switch (m.type) {
    case 'hit': {
      only(m, '', [...ENVELOPE, 'event', 'line']);
      const e = event(m.event, 'event', env.host);
      if (e.source !== 'logscan') fail('event.source', 'a hit is a logscan event');
      return { ...env, type: 'hit', event: e, line: linePosition(m.line, 'line') };
    }
    case 'context':
      only(m, '', [...ENVELOPE, 'hit', 'context']);
      return {
        ...env,
        type: 'context',
        hit: string(m.hit, 'hit', 512, 1),
        context: context(m.context, 'context'),
      };
    case 'event':
      only(m, '', [...ENVELOPE, 'event']);
      return { ...env, type: 'event', event: event(m.event, 'event', env.host) };
    case 'container':
      only(m, '', [...ENVELOPE, 'change', 'container', 'observed_at']);
      return {
        ...env,
        type: 'container',
        change: oneOf(m.change, 'change', INVENTORY_CHANGES),
        container: container(m.container, 'container'),
        observed_at: time(m.observed_at, 'observed_at'),
      };
    case 'snapshot': {
      only(m, '', [...ENVELOPE, 'snapshot', 'part', 'parts', 'containers']);
      const parts = integer(m.parts, 'parts', 1, MAX_SNAPSHOT_PARTS);
      return {
        ...env,
        type: 'snapshot',
        snapshot: string(m.snapshot, 'snapshot', 128, 1),
        part: integer(m.part, 'part', 0, parts - 1),
        parts,
        containers: array(m.containers, 'containers', MAX_PART_CONTAINERS).map((c, i) =>
          container(c, `containers[${i}]`),
        ),
      };
    }
    case 'status': {
      only(m, '', [
        ...ENVELOPE,
        'n',
        'name',
        'agent_version',
        'rule_revision',
        'docker',
        'containers',
        'publish_failures',
      ]);
      const docker = object(m.docker, 'docker');
      only(docker, 'docker', ['engine_id', 'version', 'reachable']);
      return {
        ...env,
        type: 'status',
        n: integer(m.n, 'n', 0),
        name: string(m.name, 'name', MAX_NAME, 1),
        agent_version: string(m.agent_version, 'agent_version', 64, 1),
        rule_revision: integerOrNull(m.rule_revision, 'rule_revision', 0),
        docker: {
          engine_id: string(docker.engine_id, 'docker.engine_id', MAX_ID),
          version: stringOrNull(docker.version, 'docker.version', 64),
          reachable: boolean(docker.reachable, 'docker.reachable'),
        },
        containers: integer(m.containers, 'containers', 0),
        publish_failures: integer(m.publish_failures, 'publish_failures', 0),
      };
    }
    default:
      return fail('type', 'unknown message type');
  }
}

/** The start of each type's Nats-Msg-Id (msgId in src/nats/subjects.ts). */
const ID_PREFIX: Record<FleetMessageType, string> = {
  hit: 'hit',
  context: 'ctx:hit',
  event: 'evt',
  container: 'inv',
  snapshot: 'snap',
  status: 'stat',
};

/**
 * The id is stored as the event's unique key, so it must name the subject's host: an
 * agent reusing another host's ids would make that host's events look like duplicates.
 */
function checkMsgId(message: FleetMessage, msgId: string | undefined): void {
  if (msgId === undefined || msgId === '') fail('Nats-Msg-Id', 'missing');
  if (msgId.length > 512) fail('Nats-Msg-Id', 'longer than 512');
  if (!msgId.startsWith(`${ID_PREFIX[message.type]}:${message.host}:`))
    fail('Nats-Msg-Id', `not a ${message.type} id of host ${message.host}`);
  if (message.type === 'context' && message.hit !== msgId.slice('ctx:'.length))
    fail('hit', 'not the hit the Nats-Msg-Id names');
}

/**
 * A message as the stream delivered it, checked: the subject's host and kind, the
 * version, every field's type and bound, its Nats-Msg-Id. A refusal says why, naming
 * the field.
 */
export function parseFleetMessage(
  subject: string,
  data: Uint8Array,
  msgId: string | undefined,
): ValidationResult {
  const target = parseHostSubject(subject);
  if (!target) return { ok: false, host: null, reason: `subject: not a host subject` };
  const { host, kind } = target;
  if (data.byteLength > MAX_MESSAGE_BYTES)
    return { ok: false, host, reason: `message: larger than ${MAX_MESSAGE_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { ok: false, host, reason: 'message: not JSON in UTF-8' };
  }
  try {
    const m = object(json, 'message');
    const env = checkEnvelope(m, host);
    if (!TYPES_OF[kind].includes(m.type as FleetMessageType))
      fail('type', `${String(m.type)} is not carried on ${kind}`);
    const message = body(m, env);
    checkMsgId(message, msgId);
    return { ok: true, host, message };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, host, reason: err.message };
    throw err;
  }
}

/** Who is sending: the host (subject token) and this start of the agent. */
export interface Sender {
  host: string;
  agent: string;
}

/** The envelope of a message sent now. */
export function envelope(sender: Sender, now: number = Date.now()): Envelope {
  return { v: 1, host: sender.host, agent: sender.agent, sent_at: now };
}

/** What every agent part publishes through (JetStreamPublisher fits): resolves on the ack. */
export interface StreamPublisher {
  publish(subject: string, data: string, msgId: string): Promise<unknown>;
}
