/**
 * A fixed-capacity ring: pushing onto a full ring overwrites the oldest item. Used for
 * the live stream's history and the journal's last operations.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`ring capacity must be a non-negative integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.length;
  }

  push(item: T): void {
    if (this.capacity === 0) return;
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    if (this.length < this.capacity) this.length++;
  }

  /** Takes the oldest item out; undefined when empty. */
  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const index = (this.head - this.length + this.capacity) % this.capacity;
    const item = this.items[index];
    this.items[index] = undefined;
    this.length--;
    return item;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.length = 0;
  }

  /** Oldest → newest. */
  toArray(): T[] {
    const out: T[] = [];
    for (const item of this.oldestFirst()) out.push(item);
    return out;
  }

  *oldestFirst(): Generator<T> {
    const start = (this.head - this.length + this.capacity) % Math.max(this.capacity, 1);
    for (let i = 0; i < this.length; i++) yield this.items[(start + i) % this.capacity]!;
  }

  *newestFirst(): Generator<T> {
    for (let i = 1; i <= this.length; i++)
      yield this.items[(this.head - i + this.capacity) % this.capacity]!;
  }
}
