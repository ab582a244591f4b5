import { PLACEHOLDER } from '../model.js';
import { OutgoingRequestError, type HttpResult } from '../../egress/safe-http.js';
import type { HttpPoster, SendOutcome } from './channel.js';

const MAX_DETAIL = 200;

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** Replaces every credential the channel holds, should a receiver echo one back. */
export function scrub(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(PLACEHOLDER);
  }
  return out;
}

/** The start of a response body, on one line, for last_error. */
export function snippet(body: string): string {
  // Control characters (newlines, escapes) would break the one-line summary.
  // eslint-disable-next-line no-control-regex
  const line = body.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL)}…` : line;
}

export interface OutcomeOptions {
  secrets: readonly (string | null | undefined)[];
  /** A better reason than the body, read from the answer (Telegram's description). */
  explain?: (res: HttpResult) => string | null;
  /** A wait the receiver asked for in its body (Telegram, Discord). */
  retryAfter?: (res: HttpResult) => number | null;
}

/**
 * 2xx is delivered; 3xx is a failure (redirects are never followed); 408, 429 and 5xx
 * are worth another try; any other 4xx is final, and 410 also turns the trigger off.
 */
export function outcomeFromResponse(res: HttpResult, options: OutcomeOptions): SendOutcome {
  const status = res.status;
  const base = { status_code: status, latency_ms: res.latency_ms, gone: false };
  if (status >= 200 && status < 300)
    return { ...base, ok: true, error: null, retryable: false, retry_after_ms: null };
  if (status >= 300 && status < 400)
    return {
      ...base,
      ok: false,
      error: `HTTP ${status}: redirect not followed`,
      retryable: false,
      retry_after_ms: null,
    };
  const detail = options.explain?.(res) ?? snippet(res.body);
  const error = scrub(`HTTP ${status}${detail ? `: ${snippet(detail)}` : ''}`, options.secrets);
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfter = retryable
    ? (parseRetryAfter(res.headers['retry-after']) ?? options.retryAfter?.(res) ?? null)
    : null;
  return { ...base, ok: false, error, retryable, gone: status === 410, retry_after_ms: retryAfter };
}

export function outcomeFromError(
  err: unknown,
  secrets: readonly (string | null | undefined)[],
): SendOutcome {
  const known = err instanceof OutgoingRequestError;
  return {
    ok: false,
    status_code: null,
    error: scrub(known ? err.message : 'request failed', secrets),
    latency_ms: known ? (err.latency_ms ?? 0) : 0,
    // A refused address stays refused; everything else (timeouts, resets) may pass later.
    retryable: !(known && err.kind === 'refused'),
    gone: false,
    retry_after_ms: null,
  };
}

/** POSTs JSON through the safe client and turns whatever happens into an outcome. */
export async function postJson(
  http: HttpPoster,
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal | undefined,
  options: OutcomeOptions,
): Promise<SendOutcome> {
  try {
    const res = await http.post(
      url,
      { ...headers, 'content-type': 'application/json' },
      body,
      signal,
    );
    return outcomeFromResponse(res, options);
  } catch (err) {
    return outcomeFromError(err, options.secrets);
  }
}

/** Reads a JSON body if it is one. */
export function jsonBody(res: HttpResult): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(res.body);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
