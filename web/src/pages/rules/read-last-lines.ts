import { ApiError } from '../../api/client';
import { streamUrls } from '../../api/streams';
import type { LogLine } from '../../api/types';

/** Quiet this long after the last line means the tail has been sent. */
const SETTLE_MS = 1000;
const MAX_WAIT_MS = 10_000;

/**
 * A container's last `count` lines, read from the log stream (the API has no other way
 * to fetch them): take the tail it sends first, then hang up.
 */
export function readLastLines(containerId: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const source = new EventSource(streamUrls.logs(containerId, count));
    let settle: ReturnType<typeof setTimeout> | null = null;
    const done = (error?: Error) => {
      source.close();
      clearTimeout(deadline);
      if (settle) clearTimeout(settle);
      if (error) reject(error);
      else resolve(lines.slice(-count));
    };
    const deadline = setTimeout(() => done(), MAX_WAIT_MS);
    const quiet = () => {
      if (settle) clearTimeout(settle);
      settle = setTimeout(() => done(), SETTLE_MS);
    };
    source.onopen = quiet;
    // A stopped container's log is all sent, then the stream says it ended.
    source.addEventListener('end', () => done());
    source.onmessage = (m: MessageEvent<string>) => {
      try {
        lines.push((JSON.parse(m.data) as LogLine).text);
      } catch {
        return;
      }
      if (lines.length >= count) done();
      else quiet();
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED)
        done(new ApiError(0, 'STREAM_FAILED', 'Could not read the container’s log.'));
      else done();
    };
  });
}
