import {
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { ContextUpdate } from '../events/repository.js';
import type { NewEvent, StoredEvent } from '../events/model.js';
import type { ContainerRecord } from '../inventory/model.js';
import {
  DEFAULT_CONSUMER_SETTINGS,
  DEFAULT_STREAM_SETTINGS,
  ensureConsumer,
  ensureStream,
  type ConsumerSettings,
  type StreamSettings,
} from '../nats/setup.js';
import { CONSUMER_NAME, STREAM_NAME } from '../nats/subjects.js';
import { sleep } from '../sleep.js';
import type { Database } from '../store/index.js';
import type { HostReport } from './host-repository.js';
import {
  parseFleetMessage,
  type AgentStatus,
  type ContextMessage,
  type FleetMessage,
} from './messages.js';
import { SnapshotAssembler, type CompleteSnapshot } from './snapshot-assembler.js';

type Tx = Transaction<Database>;

/** A NewEvent as an agent's message makes it: its host and its message id (its unique key). */
export type FleetEvent = NewEvent & { host_id: string; msg_id: string };

/**
 * The recording path (EventLog.recordBatch): silences, incidents and the trigger outbox
 * run as for local events; it returns only the events it newly stored.
 */
export interface FleetEventWriter {
  recordBatch(
    events: NewEvent[],
    alongside?: (tx: Tx) => Promise<void>,
    contexts?: readonly ContextUpdate[],
  ): Promise<StoredEvent[]>;
}

/** Finds the stored hits a context message completes. */
export interface HitIds {
  idsByMsgId(msgIds: readonly string[]): Promise<Map<string, number>>;
}

/** Containers as agents observe them (an older observation never overwrites a newer). */
export interface FleetContainers {
  upsertObserved(
    hostId: string,
    record: ContainerRecord,
    observedAt: number,
    db?: Tx,
  ): Promise<'stored' | 'stale' | 'other_host'>;
  replaceHostSnapshot(
    hostId: string,
    records: ContainerRecord[],
    observedAt: number,
    db?: Tx,
  ): Promise<{ other_host: string[] }>;
}

export interface FleetHosts {
  recordReport(id: string, report: HostReport, seenAt: number, db?: Tx): Promise<void>;
}

/** Hears of the events a batch committed (the live relay to the other replicas). */
export interface CommittedEvents {
  committed(host: string, events: readonly StoredEvent[]): void;
}

export interface FleetConsumerDeps {
  nc: NatsConnection;
  events: FleetEventWriter;
  hits: HitIds;
  containers: FleetContainers;
  hosts: FleetHosts;
  relay?: CommittedEvents;
  log: Logger;
  now?: () => number;
}

export interface FleetConsumerSettings {
  stream?: StreamSettings;
  consumer?: ConsumerSettings;
  /** Messages per fetch. */
  batch?: number;
  /** How long one fetch waits for messages. */
  expiresMs?: number;
  /** Redelivery delay after a failed commit: no hot loop while the database is down. */
  nakDelayMs?: number;
  /**
   * A context whose hit this replica looked up this many times and did not find is given
   * up. Only looks that worked count: a database outage is not a missing hit.
   */
  maxContextMisses?: number;
}

export interface FleetConsumerCounters {
  /** Messages acked after their batch committed. */
  handled: number;
  /** Messages terminated as invalid. */
  invalid: number;
  /** Messages given back after a failed commit. */
  retried: number;
  /** Contexts given up: their hit never arrived. */
  orphanContexts: number;
  /** Container observations refused: the id is another host's (or this process's). */
  containerClashes: number;
}

export interface FleetConsumer {
  readonly counters: FleetConsumerCounters;
  /** Sets up the stream and the consumer, then consumes until stop(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Refusals logged once per host and reason; beyond this many, not logged. */
const MAX_LOGGED_REFUSALS = 1000;
/** Contexts whose misses are counted at once; beyond, the oldest count starts again. */
const MAX_TRACKED_CONTEXTS = 10_000;
/** Deliveries after which a message is committed in a batch of its own. */
const SUSPECT_AFTER_DELIVERIES = 3;
/** `working()` this often while a commit runs: ack_wait (30 s) must not lapse meanwhile. */
const WORKING_EVERY_MS = 10_000;

interface Valid {
  msg: JsMsg;
  message: FleetMessage;
  msgId: string;
}

/**
 * The consumer every `serve` replica runs (docs/design/scale-out-contract.md, "Stream
 * and consumer"): fetch → check → one transaction per batch through the recording path
 * → commit → ack. A failed commit naks with a delay; an invalid message is terminated.
 * Redeliveries are harmless: the event log's unique message id drops a repeat.
 */
export function createFleetConsumer(
  deps: FleetConsumerDeps,
  settings: FleetConsumerSettings = {},
): FleetConsumer {
  const now = deps.now ?? Date.now;
  const batchSize = settings.batch ?? 256;
  const expires = settings.expiresMs ?? 5_000;
  const nakDelay = settings.nakDelayMs ?? 5_000;
  const maxContextMisses = settings.maxContextMisses ?? 12;
  /** Per context message id: looks that found no hit (bounded: oldest forgotten first). */
  const contextMisses = new Map<string, number>();
  const counters: FleetConsumerCounters = {
    handled: 0,
    invalid: 0,
    retried: 0,
    orphanContexts: 0,
    containerClashes: 0,
  };
  const snapshots = new SnapshotAssembler();
  const refusalsLogged = new Set<string>();
  let stopped = false;
  let fetching: ConsumerMessages | null = null;
  let loop: Promise<void> | null = null;

  function refuse(msg: JsMsg, host: string | null, reason: string): void {
    counters.invalid++;
    // No reason in the term: NATS 2.9 takes `+TERM <reason>` for no term at all.
    msg.term();
    const key = `${host ?? ''}\u0000${reason}`;
    if (refusalsLogged.has(key) || refusalsLogged.size >= MAX_LOGGED_REFUSALS) return;
    refusalsLogged.add(key);
    deps.log.warn(
      { host, subject: msg.subject, reason },
      'fleet message refused (logged once per host and reason)',
    );
  }

  /** Docker ids are 256-bit random: the same id under two hosts is a fault worth a word. */
  function clash(host: string, ids: readonly string[]): void {
    counters.containerClashes += ids.length;
    const key = `${host}\u0000container clash`;
    if (refusalsLogged.has(key) || refusalsLogged.size >= MAX_LOGGED_REFUSALS) return;
    refusalsLogged.add(key);
    deps.log.warn(
      { host, containers: ids.slice(0, 10) },
      'container ids another host holds: not recorded for this one (logged once per host)',
    );
  }

  function report(status: AgentStatus): HostReport {
    return {
      name: status.name,
      engine_id: status.docker.engine_id,
      agent_version: status.agent_version,
      docker_version: status.docker.version,
      docker_reachable: status.docker.reachable,
      rule_revision: status.rule_revision,
      agent_boot: status.agent,
      containers: status.containers,
    };
  }

  /** Keeps the messages' ack deadline while `work` runs. */
  async function keepingAlive<T>(msgs: readonly JsMsg[], work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      for (const msg of msgs) msg.working();
    }, WORKING_EVERY_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Hits, events, inventory and statuses: one transaction; then contexts. */
  async function handle(msgs: readonly JsMsg[]): Promise<void> {
    const valid: Valid[] = [];
    for (const msg of msgs) {
      const msgId = msg.headers?.get('Nats-Msg-Id') || undefined;
      const result = parseFleetMessage(msg.subject, msg.data, msgId);
      if (result.ok) valid.push({ msg, message: result.message, msgId: msgId! });
      else refuse(msg, result.host, result.reason);
    }
    const contexts = valid.filter(
      (v): v is Valid & { message: ContextMessage } => v.message.type === 'context',
    );
    const rest = valid.filter((v) => v.message.type !== 'context');
    // A message its batch failed on again and again goes alone: one that the database
    // refuses for good (poison) then holds back only itself, not whatever shares its batch.
    const suspect = (v: Valid) => v.msg.info.deliveryCount >= SUSPECT_AFTER_DELIVERIES;
    const fresh = rest.filter((v) => !suspect(v));
    if (fresh.length > 0) await commit(fresh);
    for (const alone of rest.filter(suspect)) await commit([alone]);
    if (contexts.length > 0) await completeContexts(contexts);
  }

  async function commit(items: readonly Valid[]): Promise<void> {
    const events: FleetEvent[] = [];
    const writes: ((tx: Tx) => Promise<void>)[] = [];
    const complete: CompleteSnapshot[] = [];
    const seenAt = now();
    for (const { message, msgId } of items) {
      const host = message.host;
      switch (message.type) {
        case 'hit':
        case 'event':
          events.push({ ...message.event, host_id: host, msg_id: msgId });
          break;
        case 'container':
          writes.push(async (tx) => {
            const outcome = await deps.containers.upsertObserved(
              host,
              message.container,
              message.observed_at,
              tx,
            );
            if (outcome === 'other_host') clash(host, [message.container.id]);
          });
          break;
        case 'snapshot': {
          const whole = snapshots.add(message, seenAt);
          if (whole) complete.push(whole);
          break;
        }
        case 'status':
          // The agent's clock, but never ahead of ours: a backlog of statuses consumed
          // late must not make a host that went silent look connected.
          writes.push((tx) =>
            deps.hosts.recordReport(host, report(message), Math.min(message.sent_at, seenAt), tx),
          );
          break;
      }
    }
    for (const whole of unique(complete))
      writes.push(async (tx) => {
        const outcome = await deps.containers.replaceHostSnapshot(
          whole.host,
          whole.containers,
          whole.observedAt,
          tx,
        );
        if (outcome.other_host.length > 0) clash(whole.host, outcome.other_host);
      });
    const msgs = items.map((i) => i.msg);
    let stored: StoredEvent[];
    try {
      stored = await keepingAlive(msgs, () =>
        deps.events.recordBatch(events, async (tx) => {
          for (const write of writes) await write(tx);
        }),
      );
    } catch (err) {
      counters.retried += msgs.length;
      deps.log.warn({ err, messages: msgs.length }, 'fleet batch not stored: given back');
      for (const msg of msgs) msg.nak(nakDelay);
      return;
    }
    for (const whole of complete) snapshots.done(whole.host, whole.snapshot);
    for (const msg of msgs) msg.ack();
    counters.handled += msgs.length;
    if (deps.relay) for (const [host, list] of byHost(stored)) deps.relay.committed(host, list);
  }

  async function completeContexts(items: readonly (Valid & { message: ContextMessage })[]) {
    let ids: Map<string, number>;
    try {
      ids = await deps.hits.idsByMsgId(items.map((i) => i.message.hit));
    } catch (err) {
      deps.log.warn({ err }, 'fleet contexts not stored: given back');
      for (const { msg } of items) msg.nak(nakDelay);
      counters.retried += items.length;
      return;
    }
    const known = items.filter((i) => ids.has(i.message.hit));
    for (const { msgId } of known) contextMisses.delete(msgId);
    for (const { msg, msgId } of items.filter((i) => !ids.has(i.message.hit))) {
      // Its hit may still be in another replica's batch; one that never comes (refused,
      // pruned) must not come back for ever.
      const misses = (contextMisses.get(msgId) ?? 0) + 1;
      contextMisses.delete(msgId);
      if (misses >= maxContextMisses) {
        counters.orphanContexts++;
        msg.term();
        continue;
      }
      contextMisses.set(msgId, misses);
      if (contextMisses.size > MAX_TRACKED_CONTEXTS)
        contextMisses.delete(contextMisses.keys().next().value!);
      msg.nak(nakDelay);
    }
    if (known.length === 0) return;
    const updates = known.map((i) => ({
      event_id: ids.get(i.message.hit)!,
      context: i.message.context,
    }));
    const msgs = known.map((i) => i.msg);
    try {
      await keepingAlive(msgs, () => deps.events.recordBatch([], undefined, updates));
    } catch (err) {
      counters.retried += msgs.length;
      deps.log.warn({ err, messages: msgs.length }, 'fleet contexts not stored: given back');
      for (const msg of msgs) msg.nak(nakDelay);
      return;
    }
    for (const msg of msgs) msg.ack();
    counters.handled += msgs.length;
  }

  async function run(consumer: Consumer): Promise<void> {
    while (!stopped) {
      try {
        const messages = await consumer.fetch({ max_messages: batchSize, expires });
        fetching = messages;
        let batch: JsMsg[] = [];
        for await (const msg of messages) {
          batch.push(msg);
          // What arrived while the last batch committed is the next batch: batches grow
          // with the load, and one message alone waits for nothing.
          if (messages.getPending() === 0 || batch.length >= batchSize) {
            await handle(batch);
            batch = [];
          }
        }
        if (batch.length > 0) await handle(batch);
      } catch (err) {
        if (stopped) break;
        deps.log.warn({ err }, 'fleet fetch failed; trying again');
        await sleep(1_000);
      } finally {
        fetching = null;
      }
    }
  }

  return {
    counters,
    async start() {
      const jsm = await jetstreamManager(deps.nc);
      await ensureStream(jsm, settings.stream ?? DEFAULT_STREAM_SETTINGS);
      await ensureConsumer(jsm, settings.consumer ?? DEFAULT_CONSUMER_SETTINGS);
      const consumer = await jetstream(deps.nc).consumers.get(STREAM_NAME, CONSUMER_NAME);
      loop = run(consumer).catch((err: unknown) =>
        deps.log.error({ err }, 'fleet consumer stopped'),
      );
    },
    async stop() {
      stopped = true;
      fetching?.stop();
      await loop;
    },
  };
}

function unique(list: readonly CompleteSnapshot[]): CompleteSnapshot[] {
  const byHost = new Map<string, CompleteSnapshot>();
  for (const whole of list) byHost.set(whole.host, whole);
  return [...byHost.values()];
}

function byHost(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const out = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const host = (event as StoredEvent & { host_id?: string | null }).host_id;
    if (!host) continue;
    const list = out.get(host) ?? [];
    list.push(event);
    out.set(host, list);
  }
  return out;
}
