import { openSse, type SseConnection } from './sse-client.js';

/** A tiny JSON client for tests against a running Logwarden. */
export function apiClient(baseUrl: string, token: string) {
  return jsonClient(baseUrl, { authorization: `Bearer ${token}` });
}

/**
 * A client signed in with a password, as the UI is: a session cookie, and this server's
 * Origin on every request. Managing users and tokens takes a session.
 */
export async function sessionClient(
  baseUrl: string,
  credentials: { username: string; password: string },
) {
  const origin = { origin: baseUrl };
  const login = await fetch(`${baseUrl}/api/login`, {
    method: 'POST',
    headers: { ...origin, 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (!login.ok) throw new Error(`login → ${login.status}: ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  return jsonClient(baseUrl, { cookie, ...origin });
}

function jsonClient(baseUrl: string, auth: Record<string, string>) {
  async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...auth,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown) => call<T>('POST', path, body),
    patch: <T = unknown>(path: string, body: unknown) => call<T>('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
    /** A non-JSON body (e.g. /metrics). */
    async text(path: string): Promise<string> {
      const res = await fetch(`${baseUrl}${path}`, { headers: auth });
      const text = await res.text();
      if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${text}`);
      return text;
    },
    /** Opens a server-sent events stream (the live stream routes). */
    sse: (path: string, headers: Record<string, string> = {}): Promise<SseConnection> =>
      openSse(`${baseUrl}${path}`, { ...auth, ...headers }),
    /** Every event matching the query, walking the keyset pages. */
    async allEvents(query: string): Promise<ApiEvent[]> {
      const out: ApiEvent[] = [];
      let before: number | null = null;
      for (;;) {
        const page: { items: ApiEvent[]; next: number | null } = await call(
          'GET',
          `/api/events?${query}&limit=500${before === null ? '' : `&before=${before}`}`,
        );
        out.push(...page.items);
        if (page.next === null) return out;
        before = page.next;
      }
    },
  };
}

export interface ApiEvent {
  id: number;
  created_at: string;
  source: string;
  severity: string;
  message: string;
  metadata: Record<string, unknown>;
  workload_id: string | null;
  container_id: string | null;
  rule_id: number | null;
  silenced_by: number | null;
}
