import type { Kysely, Transaction } from 'kysely';
import type { ContextUpdate, NewEvent } from '../events/index.js';
import { hostSubject, msgId } from '../nats/index.js';
import type { EventBatchWriter, LinePlace } from '../scanner/index.js';
import type { Database } from '../store/index.js';
import {
  envelope,
  type ContextMessage,
  type HitMessage,
  type Sender,
  type StreamPublisher,
} from './messages.js';

/** Where the batch's other events (condition fires) go: OutboxEventRecorder fits. */
export interface FireRecorder {
  record(event: NewEvent, tx: Transaction<Database>): Promise<unknown>;
  /** Told after the transaction that recorded some committed. */
  recorded(): void;
}

/**
 * The agent's EventBatchWriter: a tail's hits (and the lines after hits published
 * before) go to JetStream, every ack awaited, and only then do the cursors move, in a
 * local transaction with the condition state and the fires it produced (to the
 * outbox). A failed publish rejects the batch: the tail keeps it and tries again from
 * its unmoved cursor, and the same hits get the same message ids.
 */
export class PublishingBatchWriter implements EventBatchWriter {
  /** Local ids this writer answered, for hits whose lines after are still to come. */
  private readonly awaitingContext = new Map<number, string>();
  private nextId = 1;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      publisher: StreamPublisher;
      fires: FireRecorder;
      sender: Sender;
    },
  ) {}

  async recordBatch(
    events: NewEvent[],
    alongside: (tx: Transaction<Database>) => Promise<void>,
    contexts: readonly ContextUpdate[] = [],
    lines: readonly LinePlace[] = [],
  ): Promise<readonly { id: number }[]> {
    const { sender, publisher } = this.deps;
    const hits = events.slice(0, lines.length);
    const fires = events.slice(lines.length);
    const hitIds = hits.map((event, i) => hitMsgId(sender.host, event, lines[i]!));
    const subject = hostSubject(sender.host, 'hits');
    const publishes = hits.map((event, i) => {
      const line = lines[i]!;
      const message: HitMessage = {
        ...envelope(sender),
        type: 'hit',
        // When the line was written, not when a replica got to commit it: after an
        // outage or behind a backlog the two are far apart.
        event: { ...event, created_at: event.created_at ?? lineTime(line.tsNanos) },
        line: { stream: line.stream, ts_nanos: String(line.tsNanos), tie: line.tie },
      };
      return publisher.publish(subject, JSON.stringify(message), hitIds[i]!);
    });
    for (const update of contexts) {
      const hit = this.awaitingContext.get(update.event_id);
      // Not one of ours (an id from before a restart): nothing to attach it to.
      if (hit === undefined) continue;
      const message: ContextMessage = {
        ...envelope(sender),
        type: 'context',
        hit,
        context: update.context,
      };
      publishes.push(publisher.publish(subject, JSON.stringify(message), msgId.context(hit)));
    }
    await Promise.all(publishes);
    await this.deps.db.transaction().execute(async (tx) => {
      await alongside(tx);
      for (const fire of fires) await this.deps.fires.record(fire, tx);
    });
    if (fires.length > 0) this.deps.fires.recorded();
    for (const update of contexts) this.awaitingContext.delete(update.event_id);
    return events.map((event, i) => {
      const id = this.nextId++;
      if (i < hits.length && event.context_pending) this.awaitingContext.set(id, hitIds[i]!);
      return { id };
    });
  }

  /** Hits still waiting for their lines after (bounded by the tails' collections). */
  get waitingForContext(): number {
    return this.awaitingContext.size;
  }
}

function hitMsgId(host: string, event: NewEvent, line: LinePlace): string {
  if (!event.container_id || typeof event.rule_id !== 'number')
    throw new Error('a hit without its container or rule cannot be named');
  return msgId.hit(host, event.container_id, line.stream, line.tsNanos, line.tie, event.rule_id);
}

/** Docker's timestamp of the line in ms; now when it had none (0). */
function lineTime(tsNanos: bigint): number {
  return tsNanos > 0n ? Number(tsNanos / 1_000_000n) : Date.now();
}
