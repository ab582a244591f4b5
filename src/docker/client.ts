import { pipeline, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { AppError, ErrorCode } from '../errors.js';
import { FrameDemuxer, type DemuxMode } from './frame-demuxer.js';
import { LineAssembler, LogLineBatcher, type LogLine } from './line-assembler.js';
import { NdjsonSplitter } from './ndjson.js';
import { sinceParam } from './timestamp.js';
import { createTransport, type DockerEndpoint, type Transport } from './transport.js';
import type {
  ContainerInspect,
  ContainerSummary,
  DockerEvent,
  EngineInfo,
  EventsOptions,
  LogsOptions,
  VersionInfo,
} from './types.js';

export interface DockerClientOptions {
  /** Pin the API version (e.g. '1.43') instead of negotiating it via /version. */
  apiVersion?: string;
  /** Time allowed for a unary call (headers and body). */
  timeoutMs?: number;
}

/** Newest API version this client speaks; older daemons are met at their version. */
export const CLIENT_API_VERSION = '1.47';

type Query = Record<string, string | number | boolean | undefined>;

interface CallOptions {
  query?: Query;
  /** Follow streams have no body timeout: a quiet container is not an error. */
  stream?: boolean;
  signal?: AbortSignal;
  /** Map a 404 to "container not found" for by-id endpoints. */
  containerId?: string;
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/**
 * Closes the response body, and with it the connection, once the stream handed out
 * closes for any reason. Not pipeline's callback: the source generator may be parked
 * on a read of the body, and Node 24's pipeline waits for it before calling back, so a
 * consumer that stopped early would leave the connection (a follow: forever) open.
 */
function releaseOnClose<S extends Readable>(res: Dispatcher.ResponseData, stream: S): S {
  stream.once('close', () => res.body.destroy());
  return stream;
}

function unreachable(transport: Transport, err: unknown): AppError {
  const reason = err instanceof Error ? err.message : String(err);
  return new AppError(
    ErrorCode.DockerUnavailable,
    `docker engine at ${transport.description} is unreachable: ${reason}`,
    { cause: err, details: { host: transport.description } },
  );
}

/**
 * A thin Engine API client on undici. Unary calls time out; follow streams do not.
 * Streams are Node Readables, so a slow consumer slows the socket read instead of
 * buffering without bound.
 */
export class DockerClient {
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private apiVersion: string | null;
  private negotiating: Promise<string> | null = null;

  constructor(endpoint: DockerEndpoint, options: DockerClientOptions = {}) {
    this.transport = createTransport(endpoint);
    this.apiVersion = options.apiVersion ?? null;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The engine the configuration names (DOCKER_HOST, its TLS settings, a pinned API version). */
  static fromConfig(config: {
    dockerHost: string;
    dockerTlsVerify: boolean;
    dockerCertPath: string | null;
    dockerApiVersion: string | null;
  }): DockerClient {
    return new DockerClient(
      {
        host: config.dockerHost,
        tlsVerify: config.dockerTlsVerify,
        certPath: config.dockerCertPath,
      },
      { apiVersion: config.dockerApiVersion ?? undefined },
    );
  }

  /** The API version in use, once negotiated. */
  get negotiatedApiVersion(): string | null {
    return this.apiVersion;
  }

  async ping(): Promise<void> {
    const res = await this.send('GET', '/_ping', {}, false);
    await this.expectOk(res, {});
    await res.body.dump();
  }

  async version(): Promise<VersionInfo> {
    const res = await this.send('GET', '/version', {}, false);
    const info = await this.json<VersionInfo>(res, {});
    if (this.apiVersion === null) this.apiVersion = pickVersion(info);
    return info;
  }

  async info(): Promise<EngineInfo> {
    return this.call<EngineInfo>('GET', '/info', {});
  }

  async listContainers(options: { all?: boolean; filters?: Record<string, string[]> } = {}) {
    return this.call<ContainerSummary[]>('GET', '/containers/json', {
      query: {
        all: options.all ?? true,
        filters: options.filters ? JSON.stringify(options.filters) : undefined,
      },
    });
  }

  async inspectContainer(id: string): Promise<ContainerInspect> {
    return this.call<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`, {
      containerId: id,
    });
  }

  /** Docker events as objects, following until the signal aborts or the stream is destroyed. */
  async events(options: EventsOptions = {}): Promise<Readable & AsyncIterable<DockerEvent>> {
    const res = await this.request('GET', '/events', {
      stream: true,
      signal: options.signal,
      query: {
        since: options.sinceNanos === undefined ? undefined : sinceParam(options.sinceNanos),
        until: options.until,
        filters: options.filters ? JSON.stringify(options.filters) : undefined,
      },
    });
    await this.expectOk(res, {});
    return releaseOnClose(
      res,
      pipeline(this.body(res), new NdjsonSplitter(), () => undefined),
    ) as Readable & AsyncIterable<DockerEvent>;
  }

  /**
   * A container's log as lines (objects of type LogLine). Errors on the returned
   * stream carry codes: DOCKER_STREAM_CORRUPT (reconnect from the cursor),
   * DOCKER_DAEMON_ERROR (stream 3), DOCKER_UNAVAILABLE.
   */
  async logs(id: string, options: LogsOptions = {}): Promise<Readable & AsyncIterable<LogLine>> {
    const { res, mode, timestamps } = await this.openLogs(id, options);
    return releaseOnClose(
      res,
      pipeline(
        this.body(res),
        new FrameDemuxer(mode),
        new LineAssembler({ timestamps }),
        () => undefined,
      ),
    ) as Readable & AsyncIterable<LogLine>;
  }

  /**
   * The same lines as logs(), a batch per chunk read off the socket: for readers that
   * take every line of busy containers (the scanner's tails), where a step of the
   * stream machinery and of `for await` per line would cost more than the line.
   */
  async logBatches(
    id: string,
    options: LogsOptions = {},
  ): Promise<Readable & AsyncIterable<LogLine[]>> {
    const { res, mode, timestamps } = await this.openLogs(id, options);
    return releaseOnClose(
      res,
      pipeline(this.body(res), new LogLineBatcher(mode, { timestamps }), () => undefined),
    ) as Readable & AsyncIterable<LogLine[]>;
  }

  private async openLogs(
    id: string,
    options: LogsOptions,
  ): Promise<{ res: Dispatcher.ResponseData; mode: DemuxMode; timestamps: boolean }> {
    const timestamps = options.timestamps ?? true;
    const res = await this.request('GET', `/containers/${encodeURIComponent(id)}/logs`, {
      stream: true,
      signal: options.signal,
      containerId: id,
      query: {
        follow: options.follow ?? false,
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        timestamps,
        since: options.sinceNanos === undefined ? undefined : sinceParam(options.sinceNanos),
        until: options.untilNanos === undefined ? undefined : sinceParam(options.untilNanos),
        tail: options.tail === undefined ? undefined : String(options.tail),
      },
    });
    if (res.statusCode === 501) {
      const message = await errorMessage(res);
      throw new AppError(
        ErrorCode.DockerLogsUnavailable,
        `logs unavailable for ${id}: ${message}`,
        {
          details: { container: id, status: 501 },
        },
      );
    }
    await this.expectOk(res, { containerId: id });
    const contentType = String(res.headers['content-type'] ?? '');
    let mode: DemuxMode;
    if (options.tty !== undefined) mode = options.tty ? 'raw' : 'framed';
    else if (contentType.includes('multiplexed-stream')) mode = 'framed';
    else mode = 'auto';
    return { res, mode, timestamps };
  }

  /**
   * A streaming body whose connection failures arrive as DOCKER_UNAVAILABLE, like every
   * other error of this client, instead of as undici's own errors.
   */
  private body(res: Dispatcher.ResponseData): AsyncIterable<Buffer> {
    const transport = this.transport;
    return (async function* () {
      try {
        for await (const chunk of res.body) yield chunk as Buffer;
      } catch (err) {
        if ((err as { name?: string }).name === 'AbortError') throw err;
        throw unreachable(transport, err);
      }
    })();
  }

  async close(): Promise<void> {
    await this.transport.dispatcher.close();
  }

  private async call<T>(method: string, path: string, options: CallOptions): Promise<T> {
    const res = await this.request(method, path, options);
    return this.json<T>(res, options);
  }

  private async request(
    method: string,
    path: string,
    options: CallOptions,
  ): Promise<Dispatcher.ResponseData> {
    const version = await this.negotiate();
    return this.send(method, `/v${version}${path}`, options, options.stream ?? false);
  }

  private async negotiate(): Promise<string> {
    if (this.apiVersion) return this.apiVersion;
    this.negotiating ??= this.version()
      .then((info) => pickVersion(info))
      .finally(() => {
        this.negotiating = null;
      });
    return this.negotiating;
  }

  private async send(
    method: string,
    path: string,
    options: CallOptions,
    stream: boolean,
  ): Promise<Dispatcher.ResponseData> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      search.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
    }
    const query = search.size > 0 ? `?${search}` : '';
    try {
      const res = await this.transport.dispatcher.request({
        origin: this.transport.origin,
        path: `${path}${query}`,
        method: method as Dispatcher.HttpMethod,
        headersTimeout: this.timeoutMs,
        bodyTimeout: stream ? 0 : this.timeoutMs,
        signal: options.signal,
      });
      requestLines.set(res, `${method} ${path}`);
      return res;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw unreachable(this.transport, err);
    }
  }

  private async json<T>(res: Dispatcher.ResponseData, options: CallOptions): Promise<T> {
    await this.expectOk(res, options);
    try {
      return (await res.body.json()) as T;
    } catch (err) {
      throw unreachable(this.transport, err);
    }
  }

  private async expectOk(res: Dispatcher.ResponseData, options: CallOptions): Promise<void> {
    if (res.statusCode >= 200 && res.statusCode < 300) return;
    const message = await errorMessage(res);
    if (res.statusCode === 404 && options.containerId !== undefined) {
      throw new AppError(
        ErrorCode.DockerContainerNotFound,
        `container ${options.containerId} not found`,
        { details: { container: options.containerId } },
      );
    }
    const request = requestLines.get(res);
    if (res.statusCode === 403 && request !== undefined) {
      // Docker itself answers 403 only to swarm and plugin calls: here it is almost
      // always a socket proxy's rules, so say which call they refused.
      throw new AppError(
        ErrorCode.DockerApiError,
        `docker API refused ${request} (403: ${message}); a socket proxy in front of the engine must allow it`,
        { details: { status: 403, request } },
      );
    }
    throw new AppError(ErrorCode.DockerApiError, `docker API ${res.statusCode}: ${message}`, {
      details: { status: res.statusCode, ...(request === undefined ? {} : { request }) },
    });
  }
}

/** "GET /v1.41/containers/json" per response, for errors that name the call. */
const requestLines = new WeakMap<Dispatcher.ResponseData, string>();

function pickVersion(info: VersionInfo): string {
  return compareVersions(info.ApiVersion, CLIENT_API_VERSION) < 0
    ? info.ApiVersion
    : CLIENT_API_VERSION;
}

async function errorMessage(res: Dispatcher.ResponseData): Promise<string> {
  try {
    const text = (await res.body.text()).slice(0, 2000);
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON: the text itself is the message (a proxy's HTML page without its tags)
    }
    return (
      text
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim() || `status ${res.statusCode}`
    );
  } catch {
    return `status ${res.statusCode}`;
  }
}
