import type { LogEvent } from '../../api/types';

/** Lifecycle events whose log before them tells why. */
const BEFORE_KINDS = new Set(['crash', 'oom', 'restart_loop', 'unhealthy']);

/**
 * Where "see in context" opens an event's container log: a rule hit at its line
 * (`metadata.line_ts`, the line's own timestamp), a crash, OOM kill, restart loop or
 * failing health check at the last lines before it (`metadata.finished_at`, else when it
 * was recorded). Null when the
 * event points at no log.
 */
export function contextPath(event: LogEvent): string | null {
  if (!event.container_id) return null;
  const meta = event.metadata;
  const base = `/containers/${encodeURIComponent(event.container_id)}`;
  if (event.source === 'logscan') {
    if (typeof meta.line_ts !== 'string') return null;
    const q = new URLSearchParams({ at: meta.line_ts });
    if (typeof meta.stream === 'string') q.set('stream', meta.stream);
    return `${base}?${q}`;
  }
  if (event.source === 'docker' && typeof meta.kind === 'string' && BEFORE_KINDS.has(meta.kind)) {
    const until = typeof meta.finished_at === 'string' ? meta.finished_at : event.created_at;
    return `${base}?${new URLSearchParams({ until })}`;
  }
  return null;
}
