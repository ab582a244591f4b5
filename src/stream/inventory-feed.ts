import type { ContainerChange, ContainerRecord } from '../inventory/index.js';
import { Broadcaster } from './broadcaster.js';
import type { SseFrame, SseWriter } from './sse-writer.js';

/** What a live inventory client is told about one container. */
export interface InventoryFeedItem {
  /** added: a container the index did not know; gone: Docker no longer has it. */
  type: 'added' | 'updated' | 'gone';
  container: ContainerRecord;
}

/** The containers index as the feed needs it (ContainerIndex.onChange, ContainerRepository.list). */
export interface InventorySource {
  onChange(listener: (change: ContainerChange) => void): () => void;
  list(): Promise<ContainerRecord[]>;
}

export interface InventoryFrames {
  /** The whole index, sent first on every connection (and so again on every reconnect). */
  snapshot(containers: ContainerRecord[]): SseFrame;
  change(change: InventoryFeedItem): SseFrame;
}

/** A record as far as a client can see a difference: the periodic pass only bumps last_seen_at. */
function fingerprint(c: ContainerRecord): string {
  const { last_seen_at: _seen, ...rest } = c;
  return JSON.stringify(rest);
}

/**
 * Serves the containers index live: each client gets the whole index, then every change
 * to it. A change that alters nothing a client sees (the periodic full pass touching
 * every row) is not sent. A client whose queue overflowed is told so (`event: dropped`)
 * and resyncs by reconnecting: a later change carries the whole record, so nothing
 * stays wrong for long, but a missed "gone" would.
 */
export class InventoryFeed {
  private readonly broadcaster: Broadcaster<InventoryFeedItem>;
  /** What was last published per container (rows are never deleted: bounded by the index). */
  private readonly published = new Map<string, string>();

  constructor(private readonly deps: { source: InventorySource; queueSize?: number }) {
    this.broadcaster = new Broadcaster({ historySize: 0, queueSize: deps.queueSize });
    deps.source.onChange((change) => this.onChange(change));
  }

  get subscribers(): number {
    return this.broadcaster.stats().subscribers;
  }

  private onChange(change: ContainerChange): void {
    const { container } = change;
    const print = fingerprint(container);
    if (change.type !== 'gone' && !change.added && this.published.get(container.id) === print)
      return;
    this.published.set(container.id, print);
    const type = change.type === 'gone' ? 'gone' : change.added ? 'added' : 'updated';
    this.broadcaster.publish({ type, container });
  }

  /**
   * Subscribes before reading the index, so no change falls between the two; a change
   * the snapshot already holds is sent again, which a client applying whole records by
   * id takes as a no-op.
   */
  async stream(writer: SseWriter, frames: InventoryFrames): Promise<void> {
    if (writer.isClosed) return;
    const sub = this.broadcaster.subscribe({ onWake: () => writer.wake() });
    writer.onClose(sub.unsubscribe);
    let containers: ContainerRecord[];
    try {
      containers = await this.deps.source.list();
    } catch (err) {
      sub.unsubscribe();
      throw err;
    }
    if (writer.isClosed) return;
    writer.send(frames.snapshot(containers));
    await writer.ready();
    writer.follow(sub.queue, frames.change);
  }
}
