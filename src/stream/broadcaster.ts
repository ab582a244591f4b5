import { RingBuffer } from '../ring-buffer.js';
import { BoundedQueue } from './bounded-queue.js';

export const DEFAULT_HISTORY_SIZE = 1000;
export const DEFAULT_QUEUE_SIZE = 1024;

export interface BroadcasterOptions {
  /** Items kept to prime new subscribers; 0 keeps none. */
  historySize?: number;
  /** Default per-subscriber queue bound. */
  queueSize?: number;
}

export interface SubscribeOptions<T> {
  /** Which items this subscriber gets; all when absent. */
  matches?: (item: T) => boolean;
  queueSize?: number;
  /** Called inside publish when the subscriber's queue goes from idle to having work. */
  onWake?: () => void;
}

export interface Subscription<T> {
  readonly id: number;
  /** The subscriber's queue: take() what arrived and how many were dropped. */
  readonly queue: BoundedQueue<T>;
  /** Idempotent; safe inside a publish (the item being published may still be offered). */
  unsubscribe(): void;
}

export interface BroadcasterStats {
  published: number;
  /** Items a subscriber did not get because its queue was full, over all subscribers. */
  dropped: number;
  subscribers: number;
}

interface Subscriber<T> {
  id: number;
  matches: ((item: T) => boolean) | undefined;
  queue: BoundedQueue<T>;
}

/**
 * Fans items out to subscribers without ever waiting for one: each has a bounded queue,
 * and an item that finds it full is dropped for that subscriber and counted. A history
 * ring primes new subscribers. Publishing never throws.
 */
export class Broadcaster<T> {
  private subscribers: Subscriber<T>[] = [];
  private readonly history: RingBuffer<T>;
  private readonly queueSize: number;
  private nextId = 1;
  private published = 0;
  private dropped = 0;

  constructor(options: BroadcasterOptions = {}) {
    this.history = new RingBuffer<T>(options.historySize ?? DEFAULT_HISTORY_SIZE);
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  }

  publish(item: T): void {
    this.published++;
    this.history.push(item);
    // Copy-on-write list: this loop sees the subscribers as they were when it began.
    for (const sub of this.subscribers) {
      let wanted: boolean;
      try {
        wanted = sub.matches === undefined || sub.matches(item);
      } catch {
        wanted = false;
      }
      if (!wanted) continue;
      if (!sub.queue.offer(item) && !sub.queue.closed) this.dropped++;
    }
  }

  subscribe(options: SubscribeOptions<T> = {}): Subscription<T> {
    const sub: Subscriber<T> = {
      id: this.nextId++,
      matches: options.matches,
      queue: new BoundedQueue<T>(options.queueSize ?? this.queueSize, options.onWake),
    };
    this.subscribers = [...this.subscribers, sub];
    return {
      id: sub.id,
      queue: sub.queue,
      unsubscribe: () => {
        if (sub.queue.closed) return;
        sub.queue.close();
        this.subscribers = this.subscribers.filter((s) => s !== sub);
      },
    };
  }

  /** Recent items, oldest → newest, that match; the newest `max` of them. */
  snapshot(matches?: (item: T) => boolean, max = Infinity): T[] {
    const out: T[] = [];
    if (max <= 0) return out;
    for (const item of this.history.newestFirst()) {
      let wanted: boolean;
      try {
        wanted = matches === undefined || matches(item);
      } catch {
        wanted = false;
      }
      if (!wanted) continue;
      out.push(item);
      if (out.length >= max) break;
    }
    return out.reverse();
  }

  stats(): BroadcasterStats {
    return {
      published: this.published,
      dropped: this.dropped,
      subscribers: this.subscribers.length,
    };
  }
}
