import type { LogLine, LogsOptions, LogStreamName } from '../docker/index.js';
import { AppError, ErrorCode, isAppError } from '../errors.js';
import type { LineFilter } from '../rules/index.js';
import { RingBuffer } from '../ring-buffer.js';
import { detectLevel } from './log-level.js';
import {
  MAX_LINES_SCANNED,
  MAX_SEARCH_MS,
  MAX_TAIL_BYTES,
  PROGRESS_INTERVAL_MS,
  type LogLevel,
  type SearchEndReason,
} from './model.js';

/** Reads a container's log a batch of lines at a time (DockerClient.logBatches). */
export interface LogBatchReader {
  logBatches(id: string, options: LogsOptions): Promise<AsyncIterable<LogLine[]>>;
}

/** A container whose log is searched. */
export interface LogSource {
  id: string;
  name: string;
  tty: boolean;
}

export interface SearchQuery {
  sinceNanos?: bigint;
  untilNanos?: bigint;
  /** Null: every line matches. */
  filter: LineFilter | null;
  stream?: LogStreamName;
  /** Null: any level, and lines without one. */
  levels: ReadonlySet<LogLevel> | null;
  /** Results at most; ignored with `tail`. */
  limit: number;
  /** Only the last this many results (up to `untilNanos`), sent when the read ends. */
  tail?: number;
}

export interface LineFrame {
  type: 'line';
  container_id: string;
  container_name: string;
  stream: LogStreamName;
  timestamp: string | null;
  text: string;
  level: LogLevel | null;
  truncated?: true;
}
export interface ProgressFrame {
  type: 'progress';
  lines_scanned: number;
  bytes_scanned: number;
  /** The timestamp of the last line read. */
  reached: string | null;
}
export interface EndFrame {
  type: 'end';
  reason: SearchEndReason;
  lines_scanned: number;
  matched: number;
  /** With reason `error`. */
  code?: string;
  message?: string;
}
export type SearchFrame = LineFrame | ProgressFrame | EndFrame;

/** Where frames go; a returned promise is awaited before the next frame (backpressure). */
export interface FrameSink {
  write(frame: SearchFrame): void | Promise<void>;
}

export interface SearchLimits {
  maxLinesScanned: number;
  maxMs: number;
  progressMs: number;
  maxTailBytes: number;
}

/** A run of lines of one source, in time order. */
interface Run {
  source: LogSource;
  lines: readonly LogLine[];
}

/** One source's log being read: the batch in hand and where in it. */
interface Cursor {
  source: LogSource;
  batches: AsyncIterator<LogLine[]>;
  batch: LogLine[];
  at: number;
}

const before = (a: LogLine, b: LogLine) =>
  (a.seconds ?? 0) < (b.seconds ?? 0) ||
  ((a.seconds ?? 0) === (b.seconds ?? 0) && a.nanos < b.nanos);

/** Loads the cursor's next non-empty batch; false at the end of its log. */
async function refill(cursor: Cursor): Promise<boolean> {
  for (;;) {
    const next = await cursor.batches.next();
    if (next.done) return false;
    if (next.value.length > 0) {
      cursor.batch = next.value;
      cursor.at = 0;
      return true;
    }
  }
}

/**
 * The lines of many logs merged by timestamp (a k-way merge): each step takes, from the
 * cursor whose next line is earliest, every line up to the next line of any other
 * cursor. Ties go to the cursor listed first. A linear pick: workloads hold a handful of
 * containers, where a heap would cost more than it saves.
 */
async function* merged(cursors: Cursor[]): AsyncGenerator<Run> {
  const live: Cursor[] = [];
  for (const cursor of cursors) if (await refill(cursor)) live.push(cursor);
  while (live.length > 0) {
    let first = 0;
    for (let i = 1; i < live.length; i++)
      if (before(live[i]!.batch[live[i]!.at]!, live[first]!.batch[live[first]!.at]!)) first = i;
    const cursor = live[first]!;
    // The earliest next line of any other cursor, and whose it is.
    let bound: LogLine | null = null;
    let boundIndex = 0;
    for (let i = 0; i < live.length; i++) {
      if (i === first) continue;
      const head = live[i]!.batch[live[i]!.at]!;
      if (bound === null || before(head, bound)) {
        bound = head;
        boundIndex = i;
      }
    }
    const start = cursor.at;
    let end = start + 1;
    const takes = (line: LogLine) =>
      bound === null || before(line, bound) || (!before(bound, line) && first < boundIndex);
    while (end < cursor.batch.length && takes(cursor.batch[end]!)) end++;
    yield { source: cursor.source, lines: cursor.batch.slice(start, end) };
    cursor.at = end;
    if (cursor.at >= cursor.batch.length && !(await refill(cursor))) live.splice(first, 1);
  }
}

async function* single(cursor: Cursor): AsyncGenerator<Run> {
  for (;;) {
    const next = await cursor.batches.next();
    if (next.done) return;
    yield { source: cursor.source, lines: next.value };
  }
}

/** Why a search stopped before the end of the logs. */
class Stop extends Error {
  constructor(readonly reason: SearchEndReason) {
    super(reason);
  }
}

/** An opened search: the Docker requests are made; run() streams the results. */
export interface OpenSearch {
  run(sink: FrameSink): Promise<EndFrame>;
}

/**
 * Searches containers' logs as Docker holds them (Logwarden stores no lines): reads each
 * log from the logs endpoint between `since` and `until`, keeps the lines that pass the
 * filter, stream and levels, and sends them as they are found, merged by timestamp
 * across containers. Work is bounded by lines scanned and time; aborting the signal
 * (the client left) ends the Docker requests.
 */
export class LogSearch {
  private readonly limits: SearchLimits;
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      docker: LogBatchReader;
      now?: () => number;
      limits?: Partial<SearchLimits>;
    },
  ) {
    this.now = deps.now ?? Date.now;
    this.limits = {
      maxLinesScanned: MAX_LINES_SCANNED,
      maxMs: MAX_SEARCH_MS,
      progressMs: PROGRESS_INTERVAL_MS,
      maxTailBytes: MAX_TAIL_BYTES,
      ...deps.limits,
    };
  }

  /**
   * Opens the sources' logs before anything is sent, so that a container Docker does not
   * know fails the request itself. With many sources, a container removed since the
   * index saw it is left out.
   */
  async open(sources: LogSource[], query: SearchQuery, signal: AbortSignal): Promise<OpenSearch> {
    // The Docker requests end when the client leaves (or the server shuts down), and
    // when the search stops early. AbortSignal.any also sees a signal aborted already.
    const stop = new AbortController();
    const aborted = AbortSignal.any([signal, stop.signal]);
    const close = () => stop.abort();
    const options: LogsOptions = {
      follow: false,
      timestamps: true,
      stdout: query.stream !== 'stderr',
      stderr: query.stream !== 'stdout',
      sinceNanos: query.sinceNanos,
      untilNanos: query.untilNanos,
      signal: aborted,
    };
    const cursors: Cursor[] = [];
    try {
      for (const source of sources) {
        let batches: AsyncIterable<LogLine[]>;
        try {
          batches = await this.deps.docker.logBatches(source.id, { ...options, tty: source.tty });
        } catch (err) {
          if (sources.length > 1 && isAppError(err, ErrorCode.DockerContainerNotFound)) continue;
          throw err;
        }
        cursors.push({ source, batches: batches[Symbol.asyncIterator](), batch: [], at: 0 });
      }
    } catch (err) {
      close();
      throw err;
    }
    return {
      run: async (sink) => {
        try {
          return await this.scan(cursors, query, sink, aborted);
        } finally {
          close();
        }
      },
    };
  }

  private async scan(
    cursors: Cursor[],
    query: SearchQuery,
    sink: FrameSink,
    /** Aborted while the search runs: the client left or the server is shutting down. */
    signal: AbortSignal,
  ): Promise<EndFrame> {
    const { filter, levels, tail } = query;
    const limits = this.limits;
    const started = this.now();
    let lastProgress = started;
    let scanned = 0;
    let bytes = 0;
    let matched = 0;
    let reached: string | null = null;
    const held = tail === undefined ? null : new RingBuffer<LineFrame>(tail);
    let heldBytes = 0;
    const send = async (frame: SearchFrame) => {
      const wait = sink.write(frame);
      if (wait) await wait;
    };
    const end = (reason: SearchEndReason, extra: Partial<EndFrame> = {}): EndFrame => ({
      type: 'end',
      reason,
      lines_scanned: scanned,
      matched,
      ...extra,
    });
    const runs = cursors.length === 1 ? single(cursors[0]!) : merged(cursors);
    let reason: SearchEndReason = 'complete';
    try {
      for await (const { source, lines } of runs) {
        if (signal.aborted) throw new Stop('cancelled');
        for (const line of lines) {
          if (scanned >= limits.maxLinesScanned) throw new Stop('scan_limit');
          scanned++;
          bytes += line.bytes.length;
          if (filter !== null && !filter(line.bytes)) continue;
          let level: LogLevel | null | undefined;
          if (levels !== null) {
            level = detectLevel(line.text);
            if (level === null || !levels.has(level)) continue;
          }
          matched++;
          if (held === null) {
            await send(
              lineFrame(source, line, level === undefined ? detectLevel(line.text) : level),
            );
            if (matched >= query.limit) throw new Stop('limit');
            continue;
          }
          // Most matches fall out of the ring again: without a level filter, the level is
          // guessed only for the lines kept, as the ring is flushed.
          const frame = lineFrame(source, line, level ?? null);
          if (held.size === held.capacity) heldBytes -= held.shift()!.text.length;
          held.push(frame);
          heldBytes += frame.text.length;
          while (heldBytes > limits.maxTailBytes && held.size > 1)
            heldBytes -= held.shift()!.text.length;
        }
        if (lines.length > 0) reached = lines[lines.length - 1]!.timestamp ?? reached;
        // The clock is read once per run of lines, not per line.
        const now = this.now();
        if (now - started >= limits.maxMs) throw new Stop('time_limit');
        if (now - lastProgress >= limits.progressMs) {
          lastProgress = now;
          await send({ type: 'progress', lines_scanned: scanned, bytes_scanned: bytes, reached });
        }
      }
    } catch (err) {
      if (err instanceof Stop) reason = err.reason;
      else if (signal.aborted) reason = 'cancelled';
      else {
        const code = isAppError(err) ? err.code : ErrorCode.Internal;
        const frame = end('error', { code, message: (err as Error).message });
        await send(frame);
        return frame;
      }
    } finally {
      // Ends the Docker requests of a search that stopped early (for-await has already
      // closed `runs`, which holds no resources of its own).
      for (const cursor of cursors) await cursor.batches.return?.().catch(() => undefined);
    }
    // A response gone takes nothing; at shutdown the client still reads why it ended.
    if (signal.aborted) {
      const last = end('cancelled');
      await send(last);
      return last;
    }
    if (held !== null)
      for (const frame of held.oldestFirst()) {
        if (levels === null) frame.level = detectLevel(frame.text);
        await send(frame);
      }
    await send({ type: 'progress', lines_scanned: scanned, bytes_scanned: bytes, reached });
    const last = end(reason);
    await send(last);
    return last;
  }
}

function lineFrame(source: LogSource, line: LogLine, level: LogLevel | null): LineFrame {
  const frame: LineFrame = {
    type: 'line',
    container_id: source.id,
    container_name: source.name,
    stream: line.stream,
    timestamp: line.timestamp,
    text: line.text,
    level,
  };
  if (line.truncated) frame.truncated = true;
  return frame;
}

/** A search that cannot start: the per-user cap. */
export const searchLimitReached = (limit: number) =>
  new AppError(
    ErrorCode.StreamLimitReached,
    `at most ${limit} log searches may run at once; wait for one to end or cancel it`,
    { details: { limit } },
  );
