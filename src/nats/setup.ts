import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { CONSUMER_NAME, STREAM_NAME, STREAM_SUBJECTS } from './subjects.js';

/**
 * Idempotent setup of the stream and of the durable consumer the replicas share, as
 * docs/design/scale-out-contract.md specifies: every replica runs it at start (agents
 * never do: their NATS users may not); it creates what is missing, brings changeable
 * settings in line, and refuses to touch what only deleting the stream could change or
 * what would delete unconsumed messages (a lowered limit).
 */

export interface StreamSettings {
  /** The backlog JetStream may hold; beyond it publishes are refused (agents pause). */
  maxBytes: number;
  /** Unconsumed messages older than this are dropped; 0: never. */
  maxAgeMs: number;
  /** Re-publishes with the same Nats-Msg-Id within this window are dropped. */
  duplicateWindowMs: number;
  /** One message's size, at most (inventory snapshots are cut into parts below it). */
  maxMsgBytes: number;
  /** Copies in a NATS cluster (1 for one server, 3 for a cluster of three or more). */
  replicas: number;
}

export const DEFAULT_STREAM_SETTINGS: Readonly<StreamSettings> = Object.freeze({
  maxBytes: 1024 * 1024 * 1024,
  maxAgeMs: 7 * 24 * 3600 * 1000,
  duplicateWindowMs: 2 * 60 * 1000,
  maxMsgBytes: 1024 * 1024,
  replicas: 1,
});

export interface ConsumerSettings {
  /** Redelivery after this long without an ack (a replica died mid-batch). */
  ackWaitMs: number;
  /** Messages delivered and not yet acked, across all replicas. */
  maxAckPending: number;
}

export const DEFAULT_CONSUMER_SETTINGS: Readonly<ConsumerSettings> = Object.freeze({
  ackWaitMs: 30_000,
  maxAckPending: 2048,
});

/** The stream's configuration (what ensureStream creates). */
export function streamConfig(settings: StreamSettings = DEFAULT_STREAM_SETTINGS) {
  if (settings.maxAgeMs > 0 && settings.duplicateWindowMs > settings.maxAgeMs)
    throw new Error('the duplicate window cannot be longer than the maximum age');
  return {
    name: STREAM_NAME,
    description: 'Logwarden: what agents observed, consumed by the serve replicas',
    subjects: [...STREAM_SUBJECTS],
    // Acked messages go: max_bytes bounds the backlog, not history. One consumer
    // covers all subjects (a work queue refuses overlapping consumers).
    retention: RetentionPolicy.Workqueue,
    // Full: refuse the publish, so an agent keeps its cursor and Docker keeps the lines,
    // rather than drop the oldest unconsumed messages.
    discard: DiscardPolicy.New,
    storage: StorageType.File,
    max_bytes: settings.maxBytes,
    max_age: nanos(settings.maxAgeMs),
    max_msg_size: settings.maxMsgBytes,
    max_msgs: -1,
    max_msgs_per_subject: -1,
    duplicate_window: nanos(settings.duplicateWindowMs),
    num_replicas: settings.replicas,
  } satisfies Partial<StreamConfig> & { name: string };
}

/** The shared durable pull consumer's configuration (what ensureConsumer creates). */
export function consumerConfig(settings: ConsumerSettings = DEFAULT_CONSUMER_SETTINGS) {
  return {
    durable_name: CONSUMER_NAME,
    description: 'Logwarden serve replicas: each message to one replica, acked after commit',
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(settings.ackWaitMs),
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    // Never give up on a message: a replica that cannot commit naks it with a delay; one
    // that cannot parse it terminates it (and says so).
    max_deliver: -1,
    max_ack_pending: settings.maxAckPending,
  } satisfies Partial<ConsumerConfig>;
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** What ensureStream/ensureConsumer did. */
export type SetupOutcome = 'created' | 'updated' | 'unchanged';

/** Settings that differ between what is there and what is wanted: `name: have → want`. */
function differences(have: Record<string, unknown>, want: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(want)) {
    if (key === 'name' || key === 'durable_name' || key === 'description') continue;
    if (JSON.stringify(have[key]) !== JSON.stringify(value))
      out.push(`${key}: ${JSON.stringify(have[key])} → ${JSON.stringify(value)}`);
  }
  return out;
}

/** Stream settings only a new stream can change. */
const FIXED_STREAM = ['retention', 'storage'];
/**
 * Limits JetStream enforces on what the stream already holds when lowered: it deletes
 * the oldest messages to fit, whatever the discard policy, and in a work queue those are
 * messages no replica has consumed yet. Only raised automatically.
 */
const GROW_ONLY_STREAM = ['max_bytes', 'max_age', 'max_msgs', 'max_msgs_per_subject'];

/** A limit's value as a bound; 0 and -1 mean none. */
function bound(value: unknown): number {
  return typeof value === 'number' && value > 0 ? value : Infinity;
}

function refuseLowered(have: Record<string, unknown>, want: Record<string, unknown>): void {
  const lowered = GROW_ONLY_STREAM.filter((key) => bound(want[key]) < bound(have[key])).map(
    (key) => `${key}: ${JSON.stringify(have[key])} → ${JSON.stringify(want[key])}`,
  );
  if (lowered.length > 0)
    throw new Error(
      `stream ${STREAM_NAME} would lose unconsumed messages if its limits were lowered (${lowered.join('; ')}): lower them by hand (nats stream edit) if that is meant, or raise the configured ones`,
    );
}

/** Consumer settings only a new consumer can change. */
const FIXED_CONSUMER = ['ack_policy', 'deliver_policy', 'replay_policy'];

function refuseFixed(what: string, fixed: string[], diffs: string[]): void {
  const bad = diffs.filter((d) => fixed.includes(d.split(':')[0]!));
  if (bad.length > 0)
    throw new Error(
      `${what} exists with settings that cannot be changed in place (${bad.join('; ')}): delete it once it is drained, and start again`,
    );
}

/**
 * The stream exists with the wanted settings when this resolves. Safe to run from many
 * processes at once: one creating it while another does is not an error.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  settings: StreamSettings = DEFAULT_STREAM_SETTINGS,
): Promise<{ outcome: SetupOutcome; info: StreamInfo }> {
  const want = streamConfig(settings);
  const found = await findOrAdd(
    () => streamInfo(jsm),
    () => jsm.streams.add(want),
  );
  if ('created' in found) return { outcome: 'created', info: found.created };
  const info = found.existing;
  const diffs = differences(info.config as unknown as Record<string, unknown>, want);
  if (diffs.length === 0) return { outcome: 'unchanged', info };
  refuseFixed(`stream ${STREAM_NAME}`, FIXED_STREAM, diffs);
  refuseLowered(info.config as unknown as Record<string, unknown>, want);
  const { name: _name, retention: _r, storage: _s, ...update } = want;
  return {
    outcome: 'updated',
    info: await jsm.streams.update(STREAM_NAME, { ...info.config, ...update }),
  };
}

/**
 * What exists, or what this call created. Another process creating it meanwhile is not
 * an error: the add fails, and theirs is what exists (compared by the caller).
 */
async function findOrAdd<T>(
  find: () => Promise<T | null>,
  add: () => Promise<T>,
): Promise<{ existing: T } | { created: T }> {
  const existing = await find();
  if (existing) return { existing };
  try {
    return { created: await add() };
  } catch (err) {
    const theirs = await find();
    if (!theirs) throw err;
    return { existing: theirs };
  }
}

async function streamInfo(jsm: JetStreamManager): Promise<StreamInfo | null> {
  try {
    return await jsm.streams.info(STREAM_NAME);
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.StreamNotFound)) return null;
    throw err;
  }
}

async function consumerInfo(jsm: JetStreamManager): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(STREAM_NAME, CONSUMER_NAME);
  } catch (err) {
    if (isApiError(err, JetStreamApiCodes.ConsumerNotFound)) return null;
    throw err;
  }
}

/**
 * Settings our config leaves unset, so a comparison with it cannot see them: a filter
 * would leave every other subject waiting in the work queue for ever, and a push
 * consumer cannot be pulled from. Neither can be changed in place on NATS 2.9.
 */
function refuseForeignConsumer(have: ConsumerConfig): void {
  const bad: string[] = [];
  if (have.filter_subject) bad.push(`filter_subject: ${JSON.stringify(have.filter_subject)}`);
  if (have.filter_subjects?.length)
    bad.push(`filter_subjects: ${JSON.stringify(have.filter_subjects)}`);
  if (have.deliver_subject) bad.push(`deliver_subject: ${JSON.stringify(have.deliver_subject)}`);
  if (bad.length > 0)
    throw new Error(
      `consumer ${CONSUMER_NAME} exists but is not the shared pull consumer over every subject (${bad.join('; ')}): delete it, and start again`,
    );
}

/**
 * The durable pull consumer exists with the wanted settings when this resolves (the
 * stream must exist). Safe to run from every replica at once.
 */
export async function ensureConsumer(
  jsm: JetStreamManager,
  settings: ConsumerSettings = DEFAULT_CONSUMER_SETTINGS,
): Promise<{ outcome: SetupOutcome; info: ConsumerInfo }> {
  const want = consumerConfig(settings);
  const found = await findOrAdd(
    () => consumerInfo(jsm),
    () => jsm.consumers.add(STREAM_NAME, want),
  );
  if ('created' in found) return { outcome: 'created', info: found.created };
  const info = found.existing;
  refuseForeignConsumer(info.config);
  const diffs = differences(info.config as unknown as Record<string, unknown>, want);
  if (diffs.length === 0) return { outcome: 'unchanged', info };
  refuseFixed(`consumer ${CONSUMER_NAME}`, FIXED_CONSUMER, diffs);
  const { ack_wait, max_deliver, max_ack_pending, description } = want;
  return {
    outcome: 'updated',
    info: await jsm.consumers.update(STREAM_NAME, CONSUMER_NAME, {
      ack_wait,
      max_deliver,
      max_ack_pending,
      description,
    }),
  };
}
