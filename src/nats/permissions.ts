import { RULES_BUCKET, followSubject, isHostId } from './subjects.js';

/** A NATS user's permissions as nats-server's configuration spells them. */
export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

/** The rules bucket's backing stream (JetStream names a KV bucket's stream `KV_<bucket>`). */
const RULES_STREAM = `KV_${RULES_BUCKET}`;

/** An agent's reply inboxes: NatsLink's `inboxPrefix` for that host (contract). */
export function agentInboxPrefix(host: string): string {
  return `_INBOX_${host}`;
}

/**
 * What the agent of `host` may do, and nothing more: publish its own host's subjects,
 * read (never write) the rules bucket, and receive replies on its own inboxes and live
 * follow requests for its own host. Everything else is denied by omission: another
 * host's subjects, the stream's and consumers' admin API, rules, users, triggers.
 *
 * Reading the bucket needs the JetStream API calls of a KV watch (an ordered consumer
 * on the bucket's stream) and of a get; the consumer's messages and flow control arrive
 * on the agent's inbox. A JetStream publish needs no API permission: its acknowledgement
 * is a reply to the agent's inbox.
 */
export function agentPermissions(host: string): NatsPermissions {
  if (!isHostId(host)) throw new Error(`not a host id: ${JSON.stringify(host)}`);
  const api = '$JS.API';
  return {
    publish: {
      allow: [
        `logwarden.${host}.>`,
        `${api}.INFO`,
        `${api}.STREAM.INFO.${RULES_STREAM}`,
        `${api}.CONSUMER.CREATE.${RULES_STREAM}`,
        `${api}.CONSUMER.CREATE.${RULES_STREAM}.>`,
        `${api}.CONSUMER.INFO.${RULES_STREAM}.>`,
        `${api}.CONSUMER.DELETE.${RULES_STREAM}.>`,
        `${api}.CONSUMER.MSG.NEXT.${RULES_STREAM}.>`,
        `${api}.DIRECT.GET.${RULES_STREAM}.>`,
        `${api}.STREAM.MSG.GET.${RULES_STREAM}`,
        `$JS.FC.${RULES_STREAM}.>`,
        `$JS.ACK.${RULES_STREAM}.>`,
      ],
    },
    subscribe: {
      allow: [`${agentInboxPrefix(host)}.>`, followSubject(host)],
    },
  };
}

export interface NatsUserEntry {
  user: string;
  /** Written into the file as given: use a bcrypt hash (`nats server passwd`) in production. */
  password: string;
  /** Omitted: the user may do anything (the `serve` replicas' user). */
  permissions?: NatsPermissions;
}

/**
 * An `authorization { users = [...] }` block for nats-server.conf. JSON is a subset of
 * the server's configuration syntax, so each entry is written as JSON: no quoting rules
 * of our own to get wrong.
 */
export function natsAuthorizationBlock(users: readonly NatsUserEntry[]): string {
  const entries = users.map((u) => JSON.stringify(u, null, 2).replace(/^/gm, '    '));
  return `authorization {\n  users = [\n${entries.join('\n')}\n  ]\n}\n`;
}
