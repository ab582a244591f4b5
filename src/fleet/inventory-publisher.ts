import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ContainerChange, ContainerRecord } from '../inventory/index.js';
import { hostSubject, msgId } from '../nats/index.js';
import { PeriodicTask } from '../periodic-task.js';
import {
  envelope,
  type InventoryChange,
  type InventorySnapshot,
  type Sender,
  type StreamPublisher,
} from './messages.js';

/** What the publisher needs of the inventory. */
export interface InventorySource {
  onChange(listener: (change: ContainerChange) => void): () => void;
  list(): Promise<ContainerRecord[]>;
}

/**
 * The record as the contract sends it: the agent's store is the same schema as the
 * server's, whose rows carry a host, and the host is the subject's to say.
 */
function wireRecord(container: ContainerRecord & { host_id?: unknown }): ContainerRecord {
  const { host_id: _host, ...record } = container;
  return record;
}

/** A snapshot part's JSON stays under this (the stream takes messages up to 1 MiB). */
export const SNAPSHOT_PART_BYTES = 512 * 1024;
const SNAPSHOT_EVERY_MS = 30_000;

/**
 * Publishes each change of the container index as it happens, straight to JetStream
 * (no outbox: a lost change is repaired by the next snapshot), and the whole index as
 * a snapshot at start and every 30 s.
 */
export class InventoryPublisher {
  private unsubscribe: (() => void) | null = null;
  private readonly snapshots: PeriodicTask<void>;
  private lastFailureLog = -Infinity;
  /** Publishes that failed; a status reports them. */
  failures = 0;

  constructor(
    private readonly deps: {
      inventory: InventorySource;
      publisher: StreamPublisher;
      sender: Sender;
      log: Logger;
      snapshotEveryMs?: number;
    },
  ) {
    this.snapshots = new PeriodicTask(() => this.publishSnapshot(), {
      name: 'inventory snapshot',
      intervalMs: deps.snapshotEveryMs ?? SNAPSHOT_EVERY_MS,
      log: deps.log,
    });
  }

  start(): void {
    this.unsubscribe ??= this.deps.inventory.onChange((change) => {
      void this.publishChange(change).catch((err: unknown) => this.failed(err));
    });
    this.snapshots.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.snapshots.stop();
  }

  async publishChange(change: ContainerChange, observedAt: number = Date.now()): Promise<void> {
    const { sender, publisher } = this.deps;
    const container = wireRecord(change.container);
    const message: InventoryChange = {
      ...envelope(sender),
      type: 'container',
      change: change.type,
      container,
      observed_at: observedAt,
    };
    await publisher.publish(
      hostSubject(sender.host, 'inventory'),
      JSON.stringify(message),
      msgId.inventory(sender.host, container.id, observedAt, hash8(container)),
    );
  }

  /** The whole index in parts; a failed part fails the pass (the next one repeats it). */
  async publishSnapshot(): Promise<void> {
    const { sender, publisher } = this.deps;
    const containers = (await this.deps.inventory.list()).map(wireRecord);
    const parts = splitParts(containers);
    const snapshot = randomUUID();
    const subject = hostSubject(sender.host, 'inventory');
    try {
      await Promise.all(
        parts.map((part, i) => {
          const message: InventorySnapshot = {
            ...envelope(sender),
            type: 'snapshot',
            snapshot,
            part: i,
            parts: parts.length,
            containers: part,
          };
          return publisher.publish(
            subject,
            JSON.stringify(message),
            msgId.snapshot(sender.host, snapshot, i),
          );
        }),
      );
    } catch (err) {
      this.failed(err);
      throw err;
    }
  }

  private failed(err: unknown): void {
    this.failures++;
    const now = Date.now();
    // NATS away fails every change: one line a minute says it.
    if (now - this.lastFailureLog < 60_000) return;
    this.lastFailureLog = now;
    this.deps.log.warn({ err }, 'cannot publish inventory; the next snapshot repairs it');
  }
}

function hash8(record: ContainerRecord): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 8);
}

/**
 * Containers in parts whose JSON stays under SNAPSHOT_PART_BYTES (an envelope's worth
 * kept spare); always at least one part, so an empty host says it is empty.
 */
export function splitParts(
  containers: readonly ContainerRecord[],
  limit: number = SNAPSHOT_PART_BYTES - 1024,
): ContainerRecord[][] {
  const parts: ContainerRecord[][] = [[]];
  let size = 0;
  for (const container of containers) {
    const bytes = Buffer.byteLength(JSON.stringify(container)) + 1;
    if (size + bytes > limit && parts.at(-1)!.length > 0) {
      parts.push([]);
      size = 0;
    }
    parts.at(-1)!.push(container);
    size += bytes;
  }
  return parts;
}
