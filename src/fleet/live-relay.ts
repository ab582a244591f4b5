import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StoredEvent } from '../events/model.js';
import { committedSubject } from '../nats/subjects.js';

/** What the relay needs of a core NATS connection. */
export interface CoreLink {
  publish(subject: string, data: Uint8Array): void;
  /** Calls `onMessage` with each message's data; returns the function that stops it. */
  subscribe(subject: string, onMessage: (data: Uint8Array) => void): () => void;
}

/** Where a replica's own SSE clients hear of events (the local EventBus). */
export interface LocalEvents {
  publish(event: StoredEvent): void;
}

interface Committed {
  origin: string;
  events: StoredEvent[];
}

/** Every host's committed events: the fan-out root with one token for the host. */
const ALL_COMMITTED = 'logwarden-live.events.*';

/**
 * Tells every replica of the events one has committed, so each replica's SSE clients see
 * every event once: the committing replica already published them on its own bus (the
 * event log does), the others re-emit them there, with the ids as stored. Core NATS:
 * a replica that misses one (disconnected) finds it in the event history on resume.
 */
export class LiveEventRelay {
  /** This replica's id: what it hears back of its own publishes it skips. */
  readonly origin = randomUUID();
  private unsubscribe: (() => void) | null = null;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  /** Relayed messages that did not parse. */
  malformed = 0;

  constructor(
    private readonly link: CoreLink,
    private readonly local: LocalEvents,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.unsubscribe ??= this.link.subscribe(ALL_COMMITTED, (data) => this.received(data));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** After commit: the events one host's messages added. */
  committed(host: string, events: readonly StoredEvent[]): void {
    for (const chunk of chunks(events)) {
      const message: Committed = { origin: this.origin, events: chunk };
      try {
        this.link.publish(committedSubject(host), this.encoder.encode(JSON.stringify(message)));
      } catch (err) {
        // Live views only: the events are stored, and history serves them on resume.
        this.log.warn({ err, host }, 'cannot relay committed events');
      }
    }
  }

  private received(data: Uint8Array): void {
    let message: Committed;
    try {
      message = JSON.parse(this.decoder.decode(data)) as Committed;
    } catch {
      this.malformed++;
      return;
    }
    if (!message || !Array.isArray(message.events)) {
      this.malformed++;
      return;
    }
    if (message.origin === this.origin) return;
    for (const event of message.events) this.local.publish(event);
  }
}

/** Below NATS's default max_payload (1 MiB), with room for the envelope. */
const MAX_CHUNK_CHARS = 512 * 1024;

/** Events in runs whose JSON stays under MAX_CHUNK_CHARS (an event with context is large). */
function chunks(events: readonly StoredEvent[]): StoredEvent[][] {
  const out: StoredEvent[][] = [];
  let chunk: StoredEvent[] = [];
  let size = 0;
  for (const event of events) {
    const length = JSON.stringify(event).length;
    if (chunk.length > 0 && size + length > MAX_CHUNK_CHARS) {
      out.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(event);
    size += length;
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}

/** A CoreLink over a nats.js connection. */
export function natsCoreLink(nc: {
  publish(subject: string, data: Uint8Array): void;
  subscribe(
    subject: string,
    opts: { callback: (err: Error | null, msg: { data: Uint8Array }) => void },
  ): { unsubscribe(): void };
}): CoreLink {
  return {
    publish: (subject, data) => nc.publish(subject, data),
    subscribe: (subject, onMessage) => {
      const sub = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (!err) onMessage(msg.data);
        },
      });
      return () => sub.unsubscribe();
    },
  };
}
