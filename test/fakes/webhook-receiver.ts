import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** What the receiver answered (null: it never did). */
  answered: number | null;
}

/** What to answer one request with; `hang` never answers. */
export type Reply =
  { status: number; body?: string; headers?: Record<string, string> } | { hang: true };

export type Responder = (request: ReceivedRequest, index: number) => Reply;

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replaces how the receiver answers from the next request on. */
  respond(responder: Responder): void;
  /** Answers every request held so far with `status`. */
  release(status: number): void;
  /** The most requests it ever held open at once. */
  maxOpen(): number;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback that records every request and answers as told
 * (200 by default). Hung requests are dropped when their client goes away.
 */
export async function startReceiver(
  responder: Responder = () => ({ status: 200 }),
  host = '127.0.0.1',
): Promise<WebhookReceiver> {
  let current = responder;
  const requests: ReceivedRequest[] = [];
  const hung = new Map<ServerResponse, ReceivedRequest>();
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => open--);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        answered: null,
      };
      requests.push(record);
      const reply = current(record, requests.length - 1);
      if ('hang' in reply) {
        hung.set(res, record);
        res.on('close', () => hung.delete(res));
        return;
      }
      record.answered = reply.status;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    requests,
    respond(next) {
      current = next;
    },
    release(status) {
      for (const [res, record] of hung) {
        hung.delete(res);
        record.answered = status;
        res.writeHead(status).end();
      }
    },
    maxOpen: () => maxOpen,
    async close() {
      for (const res of hung.keys()) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
