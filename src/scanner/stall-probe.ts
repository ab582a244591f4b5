import type { LogLine, LogsOptions } from '../docker/index.js';
import type { StallProbe } from './tail-manager.js';

/** A StallProbe over the Engine API: one non-following read of at most one line. */
export function engineStallProbe(docker: {
  logs(id: string, options: LogsOptions): Promise<AsyncIterable<LogLine>>;
}): StallProbe {
  return {
    async hasLinesAfter(containerId, afterNanos) {
      const lines = await docker.logs(containerId, {
        follow: false,
        sinceNanos: afterNanos + 1n,
        tail: 1,
      });
      for await (const line of lines) {
        void line;
        return true;
      }
      return false;
    },
  };
}
