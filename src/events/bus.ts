import type { StoredEvent } from './model.js';

export type EventListener = (event: StoredEvent) => void;

/**
 * In-process fan-out of recorded events. Synchronous, and a subscriber's exception
 * never reaches the producer or the other subscribers.
 */
export class EventBus {
  private listeners: EventListener[] = [];

  constructor(
    private readonly onError: (err: unknown, listener: EventListener) => void = () => undefined,
  ) {}

  /** Returns the unsubscribe function; calling it twice, or during a publish, is safe. */
  subscribe(listener: EventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  get size(): number {
    return this.listeners.length;
  }

  publish(event: StoredEvent): void {
    // Copy-on-write list: a publish iterates the array as it was when it began.
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        try {
          this.onError(err, listener);
        } catch {
          // The error reporter itself must not break the fan-out either.
        }
      }
    }
  }
}
