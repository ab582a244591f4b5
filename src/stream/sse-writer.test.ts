import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';
import { SseWriter, formatFrame } from './sse-writer.js';

/** A socket whose reader the test pauses and resumes. */
class Socket extends Writable {
  written = '';
  private held: (() => void)[] = [];
  paused = false;
  constructor() {
    super({ highWaterMark: 64, decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, done: () => void) {
    this.written += chunk;
    if (this.paused) this.held.push(done);
    else done();
  }
  resume() {
    this.paused = false;
    for (const done of this.held.splice(0)) done();
  }
}

const turn = () => new Promise((r) => setImmediate(r));

describe('SseWriter', () => {
  it('formats one-line data frames with id and event', () => {
    expect(formatFrame({ id: 7, data: { a: 'x\ny' } })).toBe('id: 7\ndata: {"a":"x\\ny"}\n\n');
    expect(formatFrame({ event: 'drop\nped', data: { count: 2 } })).toBe(
      'event: dropped\ndata: {"count":2}\n\n',
    );
  });

  it('queues while the socket is full, drops beyond the queue and says how many', async () => {
    const socket = new Socket();
    const writer = new SseWriter(socket);
    const queue = new BoundedQueue<number>(5, () => writer.wake());
    let sent = 0;
    writer.follow(queue, (n) => {
      sent++;
      return { id: n, data: n };
    });
    socket.paused = true;
    for (let n = 1; n <= 40; n++) {
      queue.offer(n);
      await turn();
    }
    // The socket took a few before it filled; the queue holds 5; the rest were dropped.
    const beforeResume = sent;
    expect(beforeResume).toBeLessThan(10);
    expect(queue.size).toBe(5);
    expect(beforeResume + 5 + queue.dropped).toBe(40);
    socket.resume();
    await turn();
    await turn();
    const ids = () => [...socket.written.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids()).toHaveLength(beforeResume + 5);
    expect(socket.written).toContain(`event: dropped\ndata: {"count":${queue.dropped}}`);
    expect(ids()).toEqual([...ids()].sort((a, b) => a - b));
    writer.close();
  });

  it('releases its listeners when the client goes away', async () => {
    const socket = new Socket();
    const writer = new SseWriter(socket, { heartbeatMs: 5 });
    let closed = 0;
    writer.onClose(() => closed++);
    writer.follow(new BoundedQueue<number>(1), (n) => ({ data: n }));
    await new Promise((r) => setTimeout(r, 30));
    expect(socket.written).toContain(': heartbeat');
    socket.destroy();
    await turn();
    expect(writer.isClosed).toBe(true);
    expect(closed).toBe(1);
    expect(socket.listenerCount('close')).toBe(0);
    expect(socket.listenerCount('drain')).toBe(0);
    writer.close();
    expect(closed).toBe(1);
  });

  it('closes at once on a socket the client has already left', () => {
    // The response's 'close' fired while the request was authenticated or looked up.
    const socket = new Socket();
    socket.destroy();
    const writer = new SseWriter(socket, { heartbeatMs: 5 });
    expect(writer.isClosed).toBe(true);
    let closed = 0;
    writer.onClose(() => closed++);
    expect(closed).toBe(1);
    expect(socket.listenerCount('close')).toBe(0);
    expect(writer.send({ data: 1 })).toBe(false);
  });
});
