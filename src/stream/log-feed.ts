import type { LogLine, LogsOptions, LogStreamName } from '../docker/index.js';
import { isAppError } from '../errors.js';
import { StreamPosition } from '../scanner/index.js';
import { BoundedQueue } from './bounded-queue.js';
import { DEFAULT_QUEUE_SIZE } from './broadcaster.js';
import type { SseFrame, SseWriter } from './sse-writer.js';

/** One line as the log viewer gets it. */
export interface LiveLogLine {
  stream: LogStreamName;
  /** Docker's RFC3339Nano timestamp, or null when the line had none. */
  timestamp: string | null;
  text: string;
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
}

interface Queued {
  line: LiveLogLine;
  nanos: bigint | null;
}

function live(line: LogLine, origin: LiveLogLine['origin'], rules?: readonly string[]) {
  const out: LiveLogLine = {
    stream: line.stream,
    timestamp: line.timestamp,
    text: line.text,
    origin,
  };
  if (line.truncated) out.truncated = true;
  if (rules) out.rules = [...rules];
  return out;
}

const lineFrame = (line: LiveLogLine): SseFrame => ({ data: line });

/**
 * Serves one container's log to one SSE client: its last `tail` lines, then the lines
 * the scanner's tail reads (with the rules they hit), or, when no tail runs, a follow
 * of our own that ends with the container.
 */
export class ContainerLogFeed {
  constructor(private readonly deps: { taps: LineTaps; docker: LogReader; queueSize?: number }) {}

  async stream(writer: SseWriter, target: LogTarget, options: { tail: number }): Promise<void> {
    const queue = new BoundedQueue<Queued>(this.deps.queueSize ?? DEFAULT_QUEUE_SIZE, () =>
      writer.wake(),
    );
    // Listen before reading the history, so no line falls between the two; the
    // positions then drop the live lines the history already had.
    const untap = this.deps.taps.tapLines(target.id, (line, rules) =>
      queue.offer({ line: live(line, 'tail', rules), nanos: line.timeNanos }),
    );
    writer.onClose(() => {
      untap?.();
      queue.close();
    });
    const positions: Record<LogStreamName, StreamPosition> = {
      stdout: new StreamPosition(null),
      stderr: new StreamPosition(null),
    };
    const following = untap === null;
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
          writer.send(lineFrame(live(line, following ? 'follow' : 'history')));
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
