/**
 * The wire contract's names (docs/design/scale-out-contract.md): subjects, the stream,
 * the consumer, the rules bucket, and the deterministic message ids. One place, so the
 * agent, the server and the NATS permissions in docs/scale-out.md cannot drift apart.
 */

/** A host id is one subject token: lowercase letters, digits, `-` and `_`; 1–64 long. */
export const HOST_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Reserved: how the API names the serving process's own engine (`?host=local`, rows
 * with a null host_id), so no agent may take it.
 */
export const LOCAL_HOST = 'local';

export function isHostId(value: string): boolean {
  return HOST_ID_PATTERN.test(value) && value !== LOCAL_HOST;
}

function checkHost(host: string): string {
  if (!isHostId(host))
    throw new Error(
      `not a host id: ${JSON.stringify(host)} (expected ${HOST_ID_PATTERN.source}, not ${LOCAL_HOST})`,
    );
  return host;
}

/** What agents publish into the stream, one subject each (the last token). */
export const STREAM_KINDS = ['events', 'hits', 'inventory', 'status'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

/** `logwarden.<host>.<kind>`: the host is in the subject, so NATS permissions can bind it. */
export function hostSubject(host: string, kind: StreamKind): string {
  return `logwarden.${checkHost(host)}.${kind}`;
}

/** The host and kind of a stream subject, or null for anything else. */
export function parseHostSubject(subject: string): { host: string; kind: StreamKind } | null {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== 'logwarden') return null;
  const [, host, kind] = parts as [string, string, string];
  if (!isHostId(host) || !(STREAM_KINDS as readonly string[]).includes(kind)) return null;
  return { host, kind: kind as StreamKind };
}

/** The one stream, and the subjects it captures (core-NATS subjects stay outside it). */
export const STREAM_NAME = 'LOGWARDEN';
export const STREAM_SUBJECTS: readonly string[] = STREAM_KINDS.map((k) => `logwarden.*.${k}`);

/** The durable pull consumer every `serve` replica shares. */
export const CONSUMER_NAME = 'logwarden-serve';

/** The KV bucket holding the rule set (key `current`). */
export const RULES_BUCKET = 'logwarden-rules';
export const RULES_KEY = 'current';

/** Live log follow: the agent of `host` hears follow, keepalive and cancel requests here. */
export function followSubject(host: string): string {
  return `logwarden.${checkHost(host)}.logs.follow`;
}

/** A follow session's id: one subject token the server makes at random. */
export const FOLLOW_SESSION_PATTERN = /^[a-z0-9]{8,64}$/;

/**
 * Where the agent of `host` sends one follow session's lines. Under the host's own
 * subjects (not an `_INBOX`): an agent's NATS user may publish only `logwarden.<host>.>`,
 * and five tokens keep it out of the stream's `logwarden.*.<kind>`.
 */
export function followDeliverSubject(host: string, session: string): string {
  if (!FOLLOW_SESSION_PATTERN.test(session))
    throw new Error(`not a follow session: ${JSON.stringify(session)}`);
  return `logwarden.${checkHost(host)}.logs.deliver.${session}`;
}

/** Committed events, fanned out by the replica that committed them (core NATS). */
export function committedSubject(host: string | null): string {
  return `logwarden-live.events.${host === null ? '_local' : checkHost(host)}`;
}

/**
 * Deterministic `Nats-Msg-Id`s: the same observation published twice (a retry, a
 * re-publish after a crash) gets the same id, so JetStream's duplicate window drops the
 * second and the server's unique key catches one published after the window.
 */
export const msgId = {
  /** A rule hit: the line (stream, timestamp, tie index among equal timestamps) and rule. */
  hit: (
    host: string,
    containerId: string,
    stream: 'stdout' | 'stderr',
    tsNanos: bigint | string,
    tie: number,
    ruleId: number,
  ) => `hit:${checkHost(host)}:${containerId}:${stream}:${String(tsNanos)}:${tie}:${ruleId}`,
  /**
   * Any other event (lifecycle, condition firing, system): the agent writes it to its
   * local outbox first; the id is the outbox row's, in that store's epoch (a random id
   * made when the agent's database was created, so a wiped store never reuses an id).
   */
  event: (host: string, storeEpoch: string, outboxId: number) =>
    `evt:${checkHost(host)}:${storeEpoch}:${outboxId}`,
  /** The lines after a hit, completed: keyed by the hit's own id. */
  context: (hitMsgId: string) => `ctx:${hitMsgId}`,
  /** An inventory change: the container's state as observed (hash of the record). */
  inventory: (host: string, containerId: string, observedAtMs: number, recordHash: string) =>
    `inv:${checkHost(host)}:${containerId}:${observedAtMs}:${recordHash}`,
  /** One part of a full inventory snapshot. */
  snapshot: (host: string, snapshotId: string, part: number) =>
    `snap:${checkHost(host)}:${snapshotId}:${part}`,
  /** An agent's status: its boot id and a counter that boot keeps. */
  status: (host: string, bootId: string, n: number) => `stat:${checkHost(host)}:${bootId}:${n}`,
};
