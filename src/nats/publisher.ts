import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { NatsStatus } from './connection.js';
import { STREAM_NAME } from './subjects.js';

/** What JetStream said to a publish. */
export interface PublishAck {
  stream: string;
  /** The stored message's sequence (for a duplicate: the one stored first). */
  seq: number;
  /** JetStream already held a message with this Nats-Msg-Id (within its window). */
  duplicate: boolean;
}

/**
 * Why a publish did not get its acknowledgement. In every case the caller must treat the
 * message as not stored and publish it again later with the same id: a timed-out one
 * may still have been stored, which the id makes harmless.
 * - disconnected: no connection to NATS at the time (nothing was sent);
 * - timeout: no acknowledgement within the bound;
 * - refused: JetStream answered with an error (stream full, no stream for the subject,
 *   not permitted…).
 */
export type PublishFailure = 'disconnected' | 'timeout' | 'refused';

export class NatsPublishError extends Error {
  constructor(
    readonly reason: PublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NatsPublishError';
  }
}

/** What the publisher needs of a connection (a NatsLink). */
export interface PublisherLink {
  readonly nc: NatsConnection | null;
  status(): NatsStatus;
}

export interface PublisherOptions {
  /** How long to wait for JetStream's acknowledgement; default 5000 ms. */
  timeoutMs?: number;
  /** The stream that must store the message; default the contract's (STREAM_NAME). */
  stream?: string;
}

export interface PublisherCounters {
  published: number;
  duplicates: number;
  failed: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Publishes into JetStream and resolves only with its acknowledgement, so a caller may
 * advance what it has sent (an agent's resume cursor) then and only then. Without a
 * connection it fails at once instead of buffering: the caller's cursor is the buffer.
 */
export class JetStreamPublisher {
  readonly counters: PublisherCounters = { published: 0, duplicates: 0, failed: 0 };
  private js: JetStreamClient | null = null;
  private jsFor: NatsConnection | null = null;
  private readonly timeoutMs: number;
  private readonly stream: string;

  constructor(
    private readonly link: PublisherLink,
    options: PublisherOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.stream = options.stream ?? STREAM_NAME;
  }

  async publish(subject: string, data: Uint8Array | string, msgId: string): Promise<PublishAck> {
    if (msgId === '') throw new Error('a message id is required');
    const nc = this.link.nc;
    const state = this.link.status().state;
    if (!nc || state !== 'connected') {
      this.counters.failed++;
      throw new NatsPublishError('disconnected', `not connected to NATS (${state})`);
    }
    if (this.jsFor !== nc) {
      this.js = jetstream(nc, { timeout: this.timeoutMs });
      this.jsFor = nc;
    }
    try {
      // Only our stream's ack counts: another stream capturing the subject would store the
      // message where no replica reads it (the server refuses it with this header), and a
      // core responder on the subject answers with something that is no ack at all.
      const ack = await this.js!.publish(subject, data, {
        msgID: msgId,
        timeout: this.timeoutMs,
        expect: { streamName: this.stream },
      });
      if (ack.stream !== this.stream || !(typeof ack.seq === 'number' && ack.seq > 0))
        throw new NatsPublishError(
          'refused',
          `the reply is not an acknowledgement from stream ${this.stream}`,
        );
      this.counters.published++;
      if (ack.duplicate) this.counters.duplicates++;
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      this.counters.failed++;
      if (err instanceof NatsPublishError) throw err;
      throw classify(err, this.link.status().state);
    }
  }
}

function classify(err: unknown, state: NatsStatus['state']): NatsPublishError {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'TimeoutError' || /timeout/i.test(message))
    return new NatsPublishError(
      state === 'connected' ? 'timeout' : 'disconnected',
      `no acknowledgement from JetStream: ${message}`,
      { cause: err },
    );
  if (state !== 'connected')
    return new NatsPublishError('disconnected', `NATS connection lost: ${message}`, {
      cause: err,
    });
  return new NatsPublishError('refused', `JetStream refused the message: ${message}`, {
    cause: err,
  });
}
