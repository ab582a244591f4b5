import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { SseSink } from '../../test/support/sse-sink.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { loadConfig } from '../config/index.js';
import { logLine, type LogLine, type LogsOptions } from '../docker/index.js';
import { NatsLink } from '../nats/connection.js';
import { followSubject } from '../nats/subjects.js';
import { SseWriter } from '../stream/sse-writer.js';
import { natsCoreLink } from './live-relay.js';
import { encodeFollow } from './log-follow-messages.js';
import { LogFollowServer } from './log-follow-server.js';
import { RemoteLogFeed } from './remote-log-feed.js';

/** The log lines' texts a viewer was sent. */
const texts = (sink: SseSink) =>
  sink
    .frames()
    .filter((f) => f.event === 'message')
    .map((f) => f.data.text);

const CONTAINER = 'c'.repeat(64);

/** A container's log as Docker follows it: lines as the test writes them, until it stops. */
class FollowedLog {
  readonly calls: LogsOptions[] = [];
  private readonly pending: LogLine[] = [];
  private wake: () => void = () => undefined;
  private stopped = false;
  open = 0;

  write(text: string): void {
    this.pending.push(logLine({ stream: 'stdout', timestamp: null, timeNanos: null, text }));
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  logs = async (_id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>> => {
    this.calls.push(options);
    return this.lines(options);
  };

  private async *lines(options: LogsOptions): AsyncIterable<LogLine> {
    this.open++;
    try {
      for (;;) {
        while (this.pending.length) yield this.pending.shift()!;
        if (this.stopped || options.signal?.aborted) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    } finally {
      this.open--;
    }
  }
}

describe('live log follow of an agent host over a real nats-server', () => {
  let nats: TestNatsServer;
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    nats = await TestNatsServer.start();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => nats.destroy());

  async function connected(name: string) {
    const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: nats.url } });
    const link = new NatsLink(config, secrets, { name, reconnectWaitMs: 100 });
    cleanups.push(() => link.close());
    return natsCoreLink(await link.start());
  }

  async function agent(
    log: FollowedLog,
    options: { maxFollows?: number; idleMs?: number; heartbeatMs?: number } = {},
  ) {
    const server = new LogFollowServer(
      'web-1',
      { logs: log.logs },
      { tty: async (id) => (id === CONTAINER ? false : null) },
      pino({ level: 'silent' }),
      {
        maxFollows: options.maxFollows ?? 4,
        idleMs: options.idleMs,
        heartbeatMs: options.heartbeatMs,
        flushMs: 20,
      },
    );
    server.start(await connected('agent'));
    cleanups.push(() => server.stop());
    return server;
  }

  async function viewer(feed: RemoteLogFeed, container = CONTAINER) {
    const sink = new SseSink();
    const writer = new SseWriter(sink);
    cleanups.push(() => writer.close());
    const done = feed
      .open({ id: container, tty: false, host: 'web-1' })
      .stream(writer, { tail: 500 });
    return { sink, writer, done };
  }

  it("passes a container's lines to the viewer and ends when the container stops", async () => {
    const log = new FollowedLog();
    await agent(log);
    const feed = new RemoteLogFeed(await connected('replica').then((l) => () => l));
    const { sink, done } = await viewer(feed);
    await eventually(async () => log.calls.length === 1, 10_000, 'the agent follows');
    expect(log.calls[0]).toMatchObject({ follow: true, tail: 500, timestamps: true, tty: false });
    log.write('one');
    log.write('two');
    await eventually(async () => texts(sink).length === 2, 10_000, 'two lines');
    log.write('three');
    log.stop();
    await done;
    expect(texts(sink)).toEqual(['one', 'two', 'three']);
    const end = sink.frames().at(-1)!;
    expect(end).toEqual({ event: 'end', data: { reason: 'container stopped' } });
    expect(sink.frames().find((f) => f.data.text === 'one')?.data).toMatchObject({
      stream: 'stdout',
      origin: 'follow',
    });
  });

  it("stops the agent's follow when the viewer leaves", async () => {
    const log = new FollowedLog();
    const server = await agent(log);
    const feed = new RemoteLogFeed(await connected('replica').then((l) => () => l));
    const { writer, done } = await viewer(feed);
    await eventually(async () => log.open === 1, 10_000, 'the agent follows');
    writer.close();
    await done;
    await eventually(async () => log.open === 0 && server.open === 0, 10_000, 'follow ended');
  });

  it('tells the viewer when the agent goes away mid-follow, not when its log is only quiet', async () => {
    const log = new FollowedLog();
    const server = await agent(log, { heartbeatMs: 50 });
    const link = await connected('replica');
    const feed = new RemoteLogFeed(() => link, { keepaliveMs: 50, silentMs: 1_000 });
    const { sink, done } = await viewer(feed);
    await eventually(async () => log.open === 1, 10_000, 'the agent follows');
    log.write('before');
    await eventually(async () => texts(sink).length === 1, 10_000, 'a line');
    // Quiet for longer than the silence limit: the heartbeats keep the view open.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sink.frames().filter((f) => f.event === 'end')).toEqual([]);
    // The agent dies without a word (its follows end, nothing is sent).
    server.stop();
    await done;
    expect(sink.frames().at(-1)).toMatchObject({
      event: 'end',
      data: { reason: 'error', code: 'HOST_UNREACHABLE' },
    });
  });

  it('ends a session no replica keeps alive (the replica died)', async () => {
    const log = new FollowedLog();
    const server = await agent(log, { idleMs: 300 });
    const link = await connected('dead replica');
    link.publish(
      followSubject('web-1'),
      encodeFollow({
        type: 'follow',
        session: 'deadbeef00000001',
        container_id: CONTAINER,
        tail: 0,
      }),
    );
    await eventually(async () => log.open === 1, 10_000, 'the agent follows');
    await eventually(async () => log.open === 0 && server.open === 0, 10_000, 'idle session ended');
  });

  it('tells the viewer why: an unknown container, the limit, an agent that does not answer', async () => {
    const log = new FollowedLog();
    await agent(log, { maxFollows: 1 });
    const link = await connected('replica');
    const feed = new RemoteLogFeed(() => link, { answerMs: 1_000 });

    const unknown = await viewer(feed, 'd'.repeat(64));
    await unknown.done;
    expect(unknown.sink.frames().at(-1)).toMatchObject({
      event: 'end',
      data: { reason: 'error', code: 'NOT_FOUND' },
    });

    const first = await viewer(feed);
    await eventually(async () => log.open === 1, 10_000, 'the first follows');
    const second = await viewer(feed);
    await second.done;
    expect(second.sink.frames().at(-1)).toMatchObject({
      event: 'end',
      data: { reason: 'error', code: 'STREAM_LIMIT_REACHED' },
    });
    first.writer.close();
    await first.done;

    const nobody = new RemoteLogFeed(() => link, { answerMs: 300 });
    const sink = new SseSink();
    const writer = new SseWriter(sink);
    await nobody.open({ id: CONTAINER, tty: false, host: 'db-9' }).stream(writer, { tail: 0 });
    expect(sink.frames().at(-1)).toMatchObject({
      event: 'end',
      data: { reason: 'error', code: 'HOST_UNREACHABLE' },
    });

    const offline = new RemoteLogFeed(() => null);
    const sink2 = new SseSink();
    await offline
      .open({ id: CONTAINER, tty: false, host: 'web-1' })
      .stream(new SseWriter(sink2), { tail: 0 });
    expect(sink2.frames().at(-1)).toMatchObject({ data: { code: 'NATS_UNAVAILABLE' } });
  });
});
