import { SseSink } from '../../test/support/sse-sink.js';
import { describe, expect, it } from 'vitest';
import { logLine, type LogLine, type LogsOptions } from '../docker/index.js';
import { AppError, ErrorCode } from '../errors.js';
import { ContainerLogFeed, type LineListener } from './log-feed.js';
import { SseWriter } from './sse-writer.js';

const line = (ts: bigint, text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine =>
  logLine({ stream, timestamp: `t${ts}`, timeNanos: ts, text });

const turn = () => new Promise((r) => setImmediate(r));

describe('ContainerLogFeed', () => {
  it('joins the history and the running tail without gaps or repeats', async () => {
    let listener: LineListener | null = null;
    const calls: LogsOptions[] = [];
    const feed = new ContainerLogFeed({
      taps: {
        tapLines: (_id, l) => {
          listener = l;
          return () => (listener = null);
        },
      },
      docker: {
        logs: async (_id, options) => {
          calls.push(options);
          // While the history is read, the tail already hears 2 and 3 (and 3 again, at
          // the same nanosecond, is a different line).
          listener!(line(2n, 'two'), []);
          listener!(line(3n, 'three'), ['r']);
          listener!(line(3n, 'three again'), []);
          return (async function* () {
            yield line(1n, 'one');
            yield line(2n, 'two');
            yield line(3n, 'three');
          })();
        },
      },
    });
    const sink = new SseSink();
    const writer = new SseWriter(sink);
    await feed.open({ id: 'c', tty: false }).stream(writer, { tail: 3 });
    listener!(line(4n, 'ERROR four', 'stderr'), ['boom']);
    await turn();
    expect(calls[0]).toMatchObject({ follow: false, tail: 3, timestamps: true });
    expect(
      sink.frames().map((f) => [f.data.text, f.data.origin, f.data.rules, f.data.level]),
    ).toEqual([
      ['one', 'history', undefined, null],
      ['two', 'history', undefined, null],
      ['three', 'history', undefined, null],
      ['three again', 'tail', [], null],
      ['ERROR four', 'tail', ['boom'], 'error'],
    ]);
    writer.close();
    expect(listener).toBeNull();
  });

  it('follows on its own when no tail runs, and ends the stream with the log or an error', async () => {
    const feed = (logs: (id: string, o: LogsOptions) => Promise<AsyncIterable<LogLine>>) =>
      new ContainerLogFeed({ taps: { tapLines: () => null }, docker: { logs } });
    const ok = new SseSink();
    await feed(async (_id, options) => {
      expect(options).toMatchObject({ follow: true, tail: 10 });
      return (async function* () {
        yield line(1n, 'only');
      })();
    })
      .open({ id: 'c', tty: true })
      .stream(new SseWriter(ok), { tail: 10 });
    expect(ok.frames()).toEqual([
      {
        event: 'message',
        data: {
          stream: 'stdout',
          timestamp: 't1',
          text: 'only',
          level: null,
          origin: 'follow',
        },
      },
      { event: 'end', data: { reason: 'container stopped' } },
    ]);
    expect(ok.writableEnded).toBe(true);

    const failed = new SseSink();
    await feed(async () => {
      throw new AppError(ErrorCode.DockerUnavailable, 'engine down');
    })
      .open({ id: 'c', tty: false })
      .stream(new SseWriter(failed), { tail: 0 });
    expect(failed.frames()).toEqual([
      {
        event: 'end',
        data: { reason: 'error', code: 'DOCKER_UNAVAILABLE', message: 'engine down' },
      },
    ]);
  });

  it('follows of its own are capped across clients and freed when their stream closes', async () => {
    let follows = 0;
    const tails = new Set(['tailed']);
    const feed = new ContainerLogFeed({
      taps: { tapLines: (id) => (tails.has(id) ? () => undefined : null) },
      docker: {
        logs: async (_id, options) => {
          follows++;
          const aborted = new Promise<void>((resolve) =>
            options.signal!.addEventListener('abort', () => resolve()),
          );
          return (async function* () {
            await aborted;
            follows--;
            yield* [];
          })();
        },
      },
      maxFollows: 2,
    });
    const writers = [new SseWriter(new SseSink()), new SseWriter(new SseSink())];
    const running = writers.map((w) => feed.open({ id: 'c', tty: false }).stream(w, { tail: 0 }));
    await turn();
    expect(follows).toBe(2);
    expect(feed.openFollows).toBe(2);
    const refused = (() => {
      try {
        feed.open({ id: 'c', tty: false });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe(ErrorCode.StreamLimitReached);
    // A container the scanner tails needs no follow of its own.
    feed.open({ id: 'tailed', tty: false }).release();
    // Closing a stream ends its follow and frees its slot.
    writers[0]!.close();
    await running[0];
    expect(follows).toBe(1);
    // A session opened but never streamed gives its slot back.
    const unused = feed.open({ id: 'c', tty: false });
    expect(feed.openFollows).toBe(2);
    unused.release();
    unused.release();
    expect(feed.openFollows).toBe(1);
    writers[1]!.close();
    await Promise.all(running);
    expect(follows).toBe(0);
    expect(feed.openFollows).toBe(0);
  });
});
