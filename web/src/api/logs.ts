import { ApiError, failed, query } from './client';
import type { HistoryEnd, HistoryLine } from './types';

type HistoryMessage = HistoryLine | HistoryEnd | { type: 'progress' };

export interface HistoryQuery {
  since?: string;
  until?: string;
  /** With `until`: the last this many lines up to it. */
  tail?: number;
  limit?: number;
}

/** The lines of a container's log the query asks for, as they arrive. */
async function* readHistory(
  containerId: string,
  q: HistoryQuery,
  signal?: AbortSignal,
): AsyncGenerator<HistoryMessage> {
  const path = `/api/containers/${encodeURIComponent(containerId)}/logs${query({ ...q })}`;
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: 'same-origin',
      headers: { accept: 'application/x-ndjson' },
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'Logwarden could not be reached: check the connection.');
  }
  if (!res.ok || !res.body) throw failed('GET', path, res.status, await res.text());
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) if (line.trim()) yield JSON.parse(line) as HistoryMessage;
  }
  if (rest.trim()) yield JSON.parse(rest) as HistoryMessage;
}

/** Every line of a history query (for the bounded reads of "see in context"), and why it ended. */
export async function historyLines(
  containerId: string,
  q: HistoryQuery,
  signal?: AbortSignal,
): Promise<{ lines: HistoryLine[]; end: HistoryEnd | null }> {
  const lines: HistoryLine[] = [];
  let end: HistoryEnd | null = null;
  for await (const message of readHistory(containerId, q, signal)) {
    if (message.type === 'line') lines.push(message);
    else if (message.type === 'end') {
      if (message.reason === 'error') {
        throw new ApiError(
          200,
          message.code ?? 'LOG_READ_FAILED',
          message.message ?? 'reading the log failed',
        );
      }
      end = message;
    }
  }
  return { lines, end };
}

/**
 * Windows a "last N lines up to a moment" read tries in turn, then the whole log. Docker's
 * own `tail` ignores `until`, so the server reads from `since` (or the log's start) up to
 * the moment: without a window a long log is scanned whole for 50 lines, and one longer
 * than the server's scan limit would answer with lines from its oldest part.
 */
const BEFORE_WINDOWS_MS = [5 * 60_000, 60 * 60_000, 24 * 60 * 60_000] as const;

/** The last `tail` lines up to `until`, from the narrowest window that holds that many. */
export async function linesBefore(
  containerId: string,
  q: { until: string; tail: number },
  signal?: AbortSignal,
): Promise<{ lines: HistoryLine[]; end: HistoryEnd | null }> {
  const at = Date.parse(q.until);
  if (Number.isFinite(at)) {
    for (const windowMs of BEFORE_WINDOWS_MS) {
      const since = new Date(at - windowMs).toISOString();
      const read = await historyLines(containerId, { ...q, since }, signal);
      if (read.lines.length >= q.tail) return read;
    }
  }
  return historyLines(containerId, q, signal);
}
