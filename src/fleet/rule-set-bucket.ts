import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { RULES_BUCKET, RULES_KEY } from '../nats/subjects.js';
import type { RuleSetFeed } from './rule-set-follower.js';
import type { RuleChanges, RuleSetBucket } from './rule-set-publisher.js';

/** The NATS connection once there is one (NatsLink.ready). */
export type ConnectionSource = () => Promise<NatsConnection>;

/** Opens the bucket once per process; a failed attempt is tried again next time. */
function lazyBucket(open: () => Promise<KV>): () => Promise<KV> {
  let kv: Promise<KV> | null = null;
  return () => {
    kv ??= open().catch((err: unknown) => {
      kv = null;
      throw err;
    });
    return kv;
  };
}

/**
 * The server's side: creates the bucket when missing (history 1: agents want the
 * current set, not old ones; file storage: it outlives a NATS restart).
 */
export function natsRuleSetBucket(connection: ConnectionSource): RuleSetBucket {
  const bucket = lazyBucket(async () =>
    new Kvm(await connection()).create(RULES_BUCKET, { history: 1, storage: 'file' }),
  );
  return {
    async read() {
      const entry = await (await bucket()).get(RULES_KEY);
      return entry ? { value: entry.value, kvRevision: entry.revision } : null;
    },
    async write(value, kvRevision) {
      const kv = await bucket();
      try {
        if (kvRevision === 0) await kv.create(RULES_KEY, value);
        else await kv.update(RULES_KEY, value, kvRevision);
        return true;
      } catch (err) {
        if (
          err instanceof JetStreamApiError &&
          err.code === JetStreamApiCodes.StreamWrongLastSequence
        )
          return false;
        throw err;
      }
    },
  };
}

/**
 * The agent's side: opens the bucket (agents never create it; their NATS users may not)
 * and watches the key. nats.js watches through an ordered consumer that it recreates
 * from its last sequence after a reconnect or missed heartbeats; when that gives up, the
 * watch ends and the follower opens a new one.
 */
export function natsRuleSetFeed(connection: ConnectionSource): RuleSetFeed {
  const bucket = lazyBucket(async () => new Kvm(await connection()).open(RULES_BUCKET));
  return {
    async watch(onValue) {
      const watch = await (await bucket()).watch({ key: RULES_KEY, ignoreDeletes: true });
      const ended = (async () => {
        for await (const entry of watch) if (entry.operation === 'PUT') onValue(entry.value);
      })();
      return { stop: () => watch.stop(), ended };
    },
  };
}

/** The part of NatsLink that says when a connection is up again. */
export interface LinkStatus {
  onStatus(listener: (status: { state: string }) => void): () => void;
}

/**
 * Fires on every return to `connected` after a loss: a publish that failed during the
 * outage is made then, and a set another replica wrote meanwhile is compared with.
 */
export function natsReconnects(link: LinkStatus): RuleChanges {
  return {
    onChange(listener) {
      let lost = false;
      return link.onStatus(({ state }) => {
        if (state === 'reconnecting') lost = true;
        else if (state === 'connected' && lost) {
          lost = false;
          listener();
        }
      });
    },
  };
}
