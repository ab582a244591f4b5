import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One action of a scripted streaming answer, run in order. */
export type Step =
  /** Write bytes to the body (waits until they are handed to the socket). */
  | { write: Buffer | string }
  /** Wait this many milliseconds. */
  | { pause: number }
  /** Wait until the promise settles (e.g. the test has read the lines so far). */
  | { wait: Promise<unknown> }
  /** Drop the connection at once: no terminating chunk, so mid-frame if mid-frame. */
  | { destroy: true }
  /** End the body cleanly. */
  | { end: true }
  /** Keep the connection open until the client goes away or the engine closes. */
  | { hang: true };

export interface ScriptedResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Answer with this JSON body at once (error answers); `steps` is then ignored. */
  json?: unknown;
  /** The streamed body; a script that does not finish otherwise ends the body. */
  steps?: Step[];
}

export interface FakeEngineScript {
  logs?: ScriptedResponse | ((id: string, query: URLSearchParams) => ScriptedResponse);
  events?: ScriptedResponse | ((query: URLSearchParams) => ScriptedResponse);
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface FakeEngine {
  /** DOCKER_HOST for the client: unix://… */
  host: string;
  socketPath: string;
  requests: RecordedRequest[];
  /** Scripted answers whose connection is still open. */
  openResponses(): number;
  close(): Promise<void>;
}

export const API_VERSION = '1.45';
export const MULTIPLEXED = 'application/vnd.docker.multiplexed-stream';
export const RAW_STREAM = 'application/vnd.docker.raw-stream';

/** A Docker frame: [stream, 0, 0, 0, size uint32 BE] + payload. */
export function frame(streamType: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = streamType;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A promise with its resolve function, to open a `wait` step from the test. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function write(res: ServerResponse, data: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    // The callback runs once the chunk is handed to the socket, or with an error
    // when the client has gone; either way the script goes on (and then stops).
    res.write(data, () => resolve());
  });
}

/**
 * A stand-in Docker engine on a unix socket: answers /_ping, /version and, from a
 * script, a container's logs and /events, including answers no healthy daemon gives
 * (corrupt frames, dropped connections, oversized events).
 */
export async function startFakeEngine(script: FakeEngineScript = {}): Promise<FakeEngine> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-fake-engine-'));
  const socketPath = join(dir, 'docker.sock');
  const requests: RecordedRequest[] = [];
  let open = 0;
  let shutDown!: () => void;
  const closing = new Promise<void>((resolve) => {
    shutDown = resolve;
  });

  async function play(req: IncomingMessage, res: ServerResponse, answer: ScriptedResponse) {
    const status = answer.status ?? 200;
    if (answer.json !== undefined) return sendJson(res, status, answer.json);
    res.writeHead(status, answer.headers ?? {});
    res.flushHeaders();
    open++;
    const gone = new Promise<void>((resolve) =>
      res.once('close', () => {
        open--;
        resolve();
      }),
    );
    const stopped = () => res.destroyed || res.writableEnded;
    for (const step of answer.steps ?? []) {
      if (stopped()) return;
      if ('write' in step) await write(res, step.write);
      else if ('pause' in step) await new Promise((resolve) => setTimeout(resolve, step.pause));
      else if ('wait' in step) await Promise.race([step.wait, gone, closing]);
      else if ('destroy' in step) return void req.socket.destroy();
      else if ('end' in step) return void res.end();
      else if ('hang' in step) return void (await Promise.race([gone, closing]));
    }
    if (!stopped()) res.end();
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    const path = url.pathname;
    const logs = /^\/v[\d.]+\/containers\/([^/]+)\/logs$/.exec(path);
    let answer: ScriptedResponse | undefined;
    if (path === '/_ping') {
      res.writeHead(200, { 'content-type': 'text/plain', 'api-version': API_VERSION });
      res.end('OK');
      return;
    } else if (path === '/version' || /^\/v[\d.]+\/version$/.test(path)) {
      return sendJson(res, 200, {
        Version: 'fake',
        ApiVersion: API_VERSION,
        MinAPIVersion: '1.24',
      });
    } else if (logs && path.startsWith(`/v${API_VERSION}/`) && script.logs) {
      const id = decodeURIComponent(logs[1]!);
      answer = typeof script.logs === 'function' ? script.logs(id, url.searchParams) : script.logs;
      answer = { ...answer, headers: { 'content-type': MULTIPLEXED, ...answer.headers } };
    } else if (path === `/v${API_VERSION}/events` && script.events) {
      answer =
        typeof script.events === 'function' ? script.events(url.searchParams) : script.events;
      answer = { ...answer, headers: { 'content-type': 'application/json', ...answer.headers } };
    }
    if (!answer) return sendJson(res, 404, { message: `page not found: ${path}` });
    play(req, res, answer).catch((err: unknown) => {
      console.error('fake engine script failed', err);
      req.socket.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    host: `unix://${socketPath}`,
    socketPath,
    requests,
    openResponses: () => open,
    async close() {
      shutDown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
