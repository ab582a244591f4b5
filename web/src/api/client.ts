import type { ErrorBody } from './types';

/**
 * The one way the UI talks to the API: JSON in and out, errors as ApiError carrying the
 * server's code and field, and a 401 anywhere but the sign-in calls ending the session.
 */

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field a 400 names, when it names one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const sessionEndListeners = new Set<Listener>();

/** Called whenever the server answers 401 to a signed-in call: show the sign-in page. */
export function onSessionEnd(listener: Listener): () => void {
  sessionEndListeners.add(listener);
  return () => sessionEndListeners.delete(listener);
}

export interface RequestOptions {
  /** Sign-in calls answer 401 for wrong credentials: that is not a session ending. */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'Logwarden could not be reached: check the connection.');
  }
  const text = await res.text();
  if (res.ok) return parseJson(text) as T;
  throw failed(method, path, res.status, text, options);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The ApiError for a failed answer (its body as text); a 401 ends the session. For calls
 * that read the body themselves (a stream).
 */
export function failed(
  method: string,
  path: string,
  status: number,
  text: string,
  options: RequestOptions = {},
): ApiError {
  const error = (parseJson(text) as Partial<ErrorBody> | undefined)?.error;
  if (status === 401 && !options.expectUnauthorized) {
    for (const listener of sessionEndListeners) listener();
  }
  return new ApiError(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `${method} ${path} failed with HTTP ${status}`,
    error?.field,
  );
}

export const http = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) =>
    request<T>('POST', path, body ?? {}, options),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};

/** `?a=1&b=2` from the defined, non-empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/** Every list answer: `{items, next}`. */
export interface Page<T> {
  items: T[];
  next: number | string | null;
}
