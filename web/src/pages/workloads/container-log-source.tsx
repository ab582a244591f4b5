import { streamUrls } from '../../api/streams';
import type { LogLine } from '../../api/types';
import { useEventSource } from '../../hooks/use-event-source';

/** Lines of history each container's stream starts with in the merged view. */
const MERGED_TAIL_LINES = 100;

/**
 * One container's live log, feeding the merged view; renders nothing. Its stream ends
 * when the container stops: the lines stay, and a new run mounts a new source.
 */
export function ContainerLogSource({
  containerId,
  onLine,
}: {
  containerId: string;
  onLine: (containerId: string, line: LogLine) => void;
}) {
  useEventSource(streamUrls.logs(containerId, MERGED_TAIL_LINES), {
    onMessage: (data) => {
      try {
        onLine(containerId, JSON.parse(data) as LogLine);
      } catch {
        // Not a log line.
      }
    },
    endOn: ['end'],
  });
  return null;
}
