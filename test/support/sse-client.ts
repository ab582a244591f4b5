/** One server-sent event as a client sees it. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  /** The next event (comments and `retry:` skipped); rejects when the stream ends first. */
  next(): Promise<SseMessage>;
  /** Reads until `count` events of type `event` (default `message`) have come. */
  collect(count: number, event?: string): Promise<SseMessage[]>;
  /** Comment lines seen so far (heartbeats). */
  readonly comments: string[];
  close(): void;
}

/**
 * Opens an SSE stream with fetch and parses it as EventSource would: fields per line,
 * an empty line ends an event. Reading is pull-based: while the test does not call
 * next(), nothing is read and the server's socket fills up.
 */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseConnection> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (!res.body) throw new Error(`no body (status ${res.status})`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const comments: string[] = [];
  const close = () => {
    controller.abort();
    void reader.cancel().catch(() => undefined);
  };

  async function next(): Promise<SseMessage> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { id: null, event: 'message', data: '' };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') message.id = value;
          else if (field === 'event') message.event = value;
          else if (field === 'data') message.data += (isEvent ? '\n' : '') + value;
          else continue;
          if (field === 'data') isEvent = true;
        }
        if (isEvent) return message;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += value;
    }
  }

  return {
    status: res.status,
    headers: res.headers,
    next,
    comments,
    async collect(count, event = 'message') {
      const out: SseMessage[] = [];
      while (out.length < count) {
        const m = await next();
        if (m.event === event) out.push(m);
      }
      return out;
    },
    close,
  };
}
