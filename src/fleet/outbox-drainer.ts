import type { Logger } from 'pino';
import { hostSubject, msgId } from '../nats/index.js';
import { sleep } from '../sleep.js';
import { envelope, type EventMessage, type Sender, type StreamPublisher } from './messages.js';
import type { OutboxEntry } from './outbox.js';

/** What the drainer needs of the outbox (OutboxRepository fits). */
export interface OutboxQueue {
  oldest(limit: number): Promise<OutboxEntry[]>;
  remove(id: number): Promise<void>;
}

export interface OutboxDrainerOptions {
  /** Waits after a failed publish, doubling from min to max. */
  retryMs?: { min: number; max: number };
  /** With nothing to do, looks again after this long even unwoken. */
  idleMs?: number;
}

const PAGE = 100;

/**
 * Publishes the outbox in id order, one message at a time (a later event never lands
 * before an earlier one), deleting each row after its ack. While NATS is away it waits
 * and tries the same row again, for as long as it takes: nothing is dropped.
 */
export class OutboxDrainer {
  private readonly controller = new AbortController();
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private failing = false;
  /** Publishes that failed; a status reports them. */
  failures = 0;

  constructor(
    private readonly deps: {
      outbox: OutboxQueue;
      publisher: StreamPublisher;
      sender: Sender;
      storeEpoch: string;
      log: Logger;
      options?: OutboxDrainerOptions;
    },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Something was recorded: look now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    const min = this.deps.options?.retryMs?.min ?? 250;
    const max = this.deps.options?.retryMs?.max ?? 5_000;
    let delay = min;
    while (!signal.aborted) {
      this.woken = false;
      let entries: OutboxEntry[] = [];
      try {
        entries = await this.deps.outbox.oldest(PAGE);
        for (const entry of entries) {
          if (signal.aborted) return;
          await this.publish(entry);
          await this.deps.outbox.remove(entry.id);
        }
        if (this.failing) this.deps.log.info('outbox publishing again');
        this.failing = false;
        delay = min;
      } catch (err) {
        this.failures++;
        if (!this.failing)
          this.deps.log.warn({ err }, 'cannot publish the outbox; retrying until NATS takes it');
        this.failing = true;
        await sleep(delay, signal);
        delay = Math.min(delay * 2, max);
        continue;
      }
      if (entries.length === PAGE || this.woken) continue;
      await this.idle(signal);
    }
  }

  private idle(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wakeUp = null;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, this.deps.options?.idleMs ?? 1_000);
      this.wakeUp = done;
      if (signal.aborted || this.woken) done();
    });
  }

  private async publish(entry: OutboxEntry): Promise<void> {
    const { sender, storeEpoch, publisher } = this.deps;
    const message: EventMessage = { ...envelope(sender), type: 'event', event: entry.event };
    await publisher.publish(
      hostSubject(sender.host, 'events'),
      JSON.stringify(message),
      msgId.event(sender.host, storeEpoch, entry.id),
    );
  }
}
