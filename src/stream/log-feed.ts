import type { LogLine, LogsOptions, LogStreamName } from '../docker/index.js';
import { AppError, ErrorCode, isAppError } from '../errors.js';
import { detectLevel, type LogLevel } from '../logs/index.js';
import { StreamPosition } from '../scanner/index.js';
import { BoundedQueue } from './bounded-queue.js';
import { DEFAULT_QUEUE_SIZE } from './broadcaster.js';
import { Slots } from './slots.js';
import type { SseFrame, SseWriter } from './sse-writer.js';

/** One line as the log viewer gets it. */
export interface LiveLogLine {
  stream: LogStreamName;
  /** Docker's RFC3339Nano timestamp, or null when the line had none. */
  timestamp: string | null;
  text: string;
  /** detectLevel's guess; null when nothing in the line names a level. */
  level: LogLevel | null;
  truncated?: boolean;
  /** `history` (the `tail` lines), `tail` (the scanner's tail), `follow` (a follow of our own). */
  origin: 'history' | 'tail' | 'follow';
  /** Rules the line matched; only for lines from the scanner's tail. */
  rules?: string[];
}

export type LineListener = (line: LogLine, rules: readonly string[]) => void;

/** The scanner's running tails (TailManager.tapLines). */
export interface LineTaps {
  /** Listens to a container's tail; null when none runs. The result stops listening. */
  tapLines(containerId: string, listener: LineListener): (() => void) | null;
}

/** Reads a container's log (DockerClient.logs). */
export interface LogReader {
  logs(id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>>;
}

export interface LogTarget {
  id: string;
  tty: boolean;
  /** The agent's host (scale-out); null or absent: this process's own engine. */
  host?: string | null;
}

interface Queued {
  line: LiveLogLine;
  nanos: bigint | null;
}

/** A line for the client, its level not yet guessed: lineFrame() does that as it is sent. */
export function liveLine(line: LogLine, origin: LiveLogLine['origin'], rules?: readonly string[]) {
  const out: LiveLogLine = {
    stream: line.stream,
    timestamp: line.timestamp,
    text: line.text,
    level: null,
    origin,
  };
  if (line.truncated) out.truncated = true;
  if (rules) out.rules = [...rules];
  return out;
}

/**
 * The level is guessed as the line is written, not as the scanner's tap queues it: the
 * tap runs for every viewer on the scanner's hot path, and a full queue drops lines.
 */
export const lineFrame = (line: LiveLogLine): SseFrame => {
  line.level = detectLevel(line.text);
  return { data: line };
};

/** Dedicated follows of Docker logs open at once, across all clients, by default. */
export const DEFAULT_MAX_FOLLOWS = 64;

/** One container's log opened for one client, before (or while) it is streamed. */
export interface LogSession {
  /** Streams the log to `writer`; the session is released when the writer closes. */
  stream(writer: SseWriter, options: { tail: number }): Promise<void>;
  /** Releases what open() took, for a session that will not be streamed; idempotent. */
  release(): void;
}

/** Opens a container's log for one client (a feed of this engine's, or of an agent's). */
export interface LogOpener {
  open(target: LogTarget): LogSession;
}

/**
 * Containers of this process's own engine to `local`, those of an agent's host to
 * `remote`; without a remote (single-host mode) there are none of those.
 */
export function logsByHost(local: LogOpener, remote: LogOpener | null): LogOpener {
  return {
    open: (target) => {
      if (target.host === null || target.host === undefined) return local.open(target);
      if (remote) return remote.open(target);
      throw new AppError(
        ErrorCode.DockerUnavailable,
        `container ${target.id} is on host ${target.host}, and this server has no NATS to reach its agent`,
      );
    },
  };
}

/**
 * Serves one container's log to one SSE client: its last `tail` lines, then the lines
 * the scanner's tail reads (with the rules they hit), or, when no tail runs, a follow
 * of our own that ends with the container. Follows of our own each hold a connection
 * to Docker, so at most `maxFollows` run at once.
 */
export class ContainerLogFeed implements LogOpener {
  private readonly follows: Slots;

  constructor(
    private readonly deps: {
      taps: LineTaps;
      docker: LogReader;
      queueSize?: number;
      maxFollows?: number;
    },
  ) {
    this.follows = new Slots(deps.maxFollows ?? DEFAULT_MAX_FOLLOWS);
  }

  /** Dedicated follows open now. */
  get openFollows(): number {
    return this.follows.held();
  }

  /**
   * Starts listening to the container's tail, or takes a follow slot when none runs,
   * before any response is sent: a follow beyond the limit is an AppError
   * (STREAM_LIMIT_REACHED) the API can still answer with a status.
   */
  open(target: LogTarget): LogSession {
    let wake: () => void = () => undefined;
    const queue = new BoundedQueue<Queued>(this.deps.queueSize ?? DEFAULT_QUEUE_SIZE, () => wake());
    // Listen before reading the history, so no line falls between the two; the
    // positions then drop the live lines the history already had.
    const untap = this.deps.taps.tapLines(target.id, (line, rules) =>
      queue.offer({ line: liveLine(line, 'tail', rules), nanos: line.timeNanos }),
    );
    const releaseFollow = untap === null ? this.follows.tryAcquire() : null;
    if (untap === null && releaseFollow === null)
      throw new AppError(
        ErrorCode.StreamLimitReached,
        `too many container log streams follow Docker at once (at most ${this.follows.limit}); try again later`,
        { details: { limit: this.follows.limit } },
      );
    const release = () => {
      untap?.();
      releaseFollow?.();
      queue.close();
    };
    return {
      release,
      stream: (writer, options) => {
        wake = () => writer.wake();
        writer.onClose(release);
        return this.run(writer, target, options, { queue, following: untap === null });
      },
    };
  }

  private async run(
    writer: SseWriter,
    target: LogTarget,
    options: { tail: number },
    { queue, following }: { queue: BoundedQueue<Queued>; following: boolean },
  ): Promise<void> {
    if (writer.isClosed) return;
    const positions: Record<LogStreamName, StreamPosition> = {
      stdout: new StreamPosition(null),
      stderr: new StreamPosition(null),
    };
    const controller = new AbortController();
    writer.onClose(() => controller.abort());
    try {
      if (following || options.tail > 0) {
        const lines = await this.deps.docker.logs(target.id, {
          follow: following,
          tail: options.tail,
          timestamps: true,
          stdout: true,
          stderr: true,
          tty: target.tty,
          signal: controller.signal,
        });
        for await (const line of lines) {
          if (writer.isClosed) return;
          positions[line.stream].take(line.timeNanos);
          writer.send(lineFrame(liveLine(line, following ? 'follow' : 'history')));
          await writer.ready();
        }
      }
    } catch (err) {
      if (writer.isClosed) return;
      const code = isAppError(err) ? err.code : 'INTERNAL';
      writer.send({
        event: 'end',
        data: { reason: 'error', code, message: (err as Error).message },
      });
      writer.close();
      return;
    }
    if (writer.isClosed) return;
    if (following) {
      writer.send({ event: 'end', data: { reason: 'container stopped' } });
      writer.close();
      return;
    }
    for (const position of Object.values(positions)) position.reconnected();
    writer.follow(queue, ({ line, nanos }) =>
      positions[line.stream].take(nanos) ? lineFrame(line) : null,
    );
  }
}
