import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { historyLines, linesBefore } from './logs';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** A fetch answering with the body in the given chunks (split anywhere, as TCP may). */
function answer(status: number, chunks: string[], seen: string[] = []) {
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    seen.push(String(input));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
    return new Response(body, { status });
  }) as typeof fetch;
}

const line = (text: string) =>
  JSON.stringify({
    type: 'line',
    container_id: 'c',
    container_name: 'n',
    stream: 'stdout',
    timestamp: '2026-01-01T00:00:00Z',
    text,
    level: null,
  });

describe('history reads', () => {
  it('reads NDJSON split anywhere, lines and the end, with the query in the URL', async () => {
    const body = `${line('a')}\n${line('b "é"')}\n{"type":"progress"}\n{"type":"end","reason":"complete","lines_scanned":2,"matched":2}`;
    const seen: string[] = [];
    answer(200, [body.slice(0, 7), body.slice(7, 80), body.slice(80)], seen);
    const { lines, end } = await historyLines('web 1', { until: 'T', tail: 5 });
    expect(lines.map((l) => l.text)).toEqual(['a', 'b "é"']);
    expect(end?.reason).toBe('complete');
    expect(seen).toEqual(['/api/containers/web%201/logs?until=T&tail=5']);
  });

  it("turns a refused read into the server's error, and an error end frame too", async () => {
    answer(404, ['{"error":{"code":"CONTAINER_NOT_FOUND","message":"no container x"}}']);
    await expect(historyLines('x', {})).rejects.toMatchObject({
      status: 404,
      code: 'CONTAINER_NOT_FOUND',
    });
    answer(200, [
      `${line('a')}\n{"type":"end","reason":"error","lines_scanned":1,"matched":1,"code":"DOCKER_UNAVAILABLE","message":"gone"}\n`,
    ]);
    const failed = historyLines('x', {});
    await expect(failed).rejects.toBeInstanceOf(ApiError);
    await expect(historyLines('x', {})).rejects.toMatchObject({ code: 'DOCKER_UNAVAILABLE' });
  });

  it('reads the lines before a moment from a 5-minute window when it holds enough', async () => {
    const seen: string[] = [];
    answer(200, [`${line('a')}\n${line('b')}\n`], seen);
    const { lines } = await linesBefore('c', { until: '2026-01-01T01:00:00.000Z', tail: 2 });
    expect(lines.map((l) => l.text)).toEqual(['a', 'b']);
    expect(seen).toEqual([
      '/api/containers/c/logs?until=2026-01-01T01%3A00%3A00.000Z&tail=2&since=2026-01-01T00%3A55%3A00.000Z',
    ]);
  });

  it('widens the window to an hour, a day, then the whole log while too few lines come', async () => {
    const seen: string[] = [];
    answer(200, [`${line('a')}\n`], seen);
    await linesBefore('c', { until: '2026-01-01T01:00:00.000Z', tail: 2 });
    expect(seen.map((url) => new URL(url, 'http://x').searchParams.get('since'))).toEqual([
      '2026-01-01T00:55:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2025-12-31T01:00:00.000Z',
      null,
    ]);
  });
});
