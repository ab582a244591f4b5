import type { BoundedQueue } from './bounded-queue.js';

/** The part of an HTTP response (or any Writable) an SSE stream writes to. */
export interface SseSink {
  write(chunk: string): boolean;
  end(): void;
  readonly writableNeedDrain: boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

export interface SseFrame {
  id?: string | number;
  event?: string;
  /** Serialized as one line of JSON. */
  data: unknown;
}

export interface SseWriterOptions {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Items written per turn before checking the socket again. */
  batch?: number;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;

/** One SSE message. JSON has no raw newlines, so `data` is always a single line. */
export function formatFrame(frame: SseFrame): string {
  let out = '';
  if (frame.id !== undefined) out += `id: ${String(frame.id).replace(/[\r\n]/g, '')}\n`;
  if (frame.event !== undefined) out += `event: ${frame.event.replace(/[\r\n]/g, '')}\n`;
  return `${out}data: ${JSON.stringify(frame.data)}\n\n`;
}

interface Feed {
  pump(): void;
}

/**
 * Writes an SSE stream to one client. Primed frames are written directly (awaiting
 * `ready()` between them); live items come from a bounded queue and are written only
 * while the socket keeps up, so a client that stops reading costs at most the queue
 * and one socket buffer: the queue drops and counts, and the client is told how many
 * with an `event: dropped` frame once it reads again.
 */
export class SseWriter {
  private feed: Feed | null = null;
  private scheduled = false;
  private closed = false;
  private waitingForDrain = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeListeners: (() => void)[] = [];
  private readonly batch: number;
  private readonly onSinkClose = () => this.close();
  private readonly onSinkDrain = () => {
    this.waitingForDrain = false;
    this.wake();
  };

  constructor(
    private readonly sink: SseSink,
    options: SseWriterOptions = {},
  ) {
    this.batch = options.batch ?? 64;
    sink.once('close', this.onSinkClose);
    this.heartbeat = setInterval(() => {
      if (!this.closed && !this.congested) this.sink.write(': heartbeat\n\n');
    }, options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.heartbeat.unref();
    // The client may have gone while the request was authenticated or looked up: its
    // 'close' has fired already and will not again.
    if (sink.destroyed) this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The socket's buffer is full: wait for it to drain before writing more. */
  get congested(): boolean {
    return this.sink.writableNeedDrain;
  }

  /** Bytes written but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.sink.writableLength;
  }

  send(frame: SseFrame): boolean {
    if (this.closed) return false;
    return this.sink.write(formatFrame(frame));
  }

  comment(text: string): void {
    if (!this.closed) this.sink.write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
  }

  /** Resolves when more may be written (or the stream closed). */
  ready(): Promise<void> {
    if (this.closed || !this.congested) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.sink.off('drain', done);
        this.off(done);
        resolve();
      };
      this.sink.once('drain', done);
      this.onClose(done);
    });
  }

  /**
   * From now on, writes what arrives in `queue` (drops become `event: dropped` with the
   * count). `toFrame` returning null skips an item.
   */
  follow<T>(queue: BoundedQueue<T>, toFrame: (item: T) => SseFrame | null): void {
    this.feed = {
      pump: () => {
        while (!this.closed && !this.congested) {
          const { items, dropped } = queue.take(this.batch);
          if (dropped > 0) this.send({ event: 'dropped', data: { count: dropped } });
          for (const item of items) {
            const frame = toFrame(item);
            if (frame) this.send(frame);
          }
          if (items.length === 0) return;
        }
        if (!this.closed && queue.size > 0 && !this.waitingForDrain) {
          this.waitingForDrain = true;
          this.sink.once('drain', this.onSinkDrain);
        }
      },
    };
    this.wake();
  }

  /** Asks for a pump soon; many wakes before it runs make one pump. */
  wake(): void {
    if (this.scheduled || this.closed || !this.feed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.feed?.pump();
    });
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  private off(listener: () => void): void {
    const i = this.closeListeners.indexOf(listener);
    if (i >= 0) this.closeListeners.splice(i, 1);
  }

  /** Ends the stream and releases everything it holds; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.sink.off('close', this.onSinkClose);
    this.sink.off('drain', this.onSinkDrain);
    this.feed = null;
    if (!this.sink.destroyed) this.sink.end();
    const listeners = this.closeListeners.splice(0);
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // one listener failing must not keep the others from releasing their parts
      }
    }
  }
}
