/**
 * A subscriber's queue between a producer that must never wait and a consumer that
 * may be slow. Offering to a full queue drops the item and counts it. The consumer is
 * woken once when work appears (items or drops), not once per item.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private droppedSinceTake = 0;
  private droppedTotal = 0;
  private wakeSent = false;
  private closedFlag = false;

  constructor(
    readonly capacity: number,
    /** Called (synchronously, inside offer) when the queue goes from idle to having work. */
    private readonly onWake: () => void = () => undefined,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Drops counted over the queue's life. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Never throws, never blocks: false means the item was dropped (full or closed). */
  offer(item: T): boolean {
    if (this.closedFlag) return false;
    let accepted: boolean;
    if (this.items.length >= this.capacity) {
      this.droppedSinceTake++;
      this.droppedTotal++;
      accepted = false;
    } else {
      this.items.push(item);
      accepted = true;
    }
    if (!this.wakeSent) {
      this.wakeSent = true;
      try {
        this.onWake();
      } catch {
        // A consumer's wake-up failing is the consumer's problem, never the producer's.
      }
    }
    return accepted;
  }

  /**
   * Takes up to `max` items, oldest first, and the drops counted since the last take.
   * Once it leaves the queue empty, the next offer wakes the consumer again.
   */
  take(max = Infinity): { items: T[]; dropped: number } {
    let items: T[];
    if (max >= this.items.length) {
      items = this.items;
      this.items = [];
    } else {
      items = this.items.splice(0, Math.max(0, max));
    }
    const dropped = this.droppedSinceTake;
    this.droppedSinceTake = 0;
    if (this.items.length === 0) this.wakeSent = false;
    return { items, dropped };
  }

  /** Releases what is queued; later offers are refused without counting. Idempotent. */
  close(): void {
    this.closedFlag = true;
    this.items = [];
  }
}
