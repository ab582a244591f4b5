import { useMemo, useState } from 'react';
import type { Container } from '../../api/types';
import { runningFirst } from '../../inventory/live-index';
import { useFollowBottom } from '../../hooks/use-follow-bottom';
import { LogToolbar, useLogView } from '../container/log-controls';
import { LogRecordView } from '../container/log-record';
import { useLogAccess } from '../container/log-viewer';
import { ContainerLogSource } from './container-log-source';
import { recordSource, type MergedLine } from './merge-lines';
import { useMergedLogs } from './use-merged-logs';

/**
 * Containers followed at once. Each holds a live stream, and with it one of the six
 * connections a browser keeps per host over HTTP/1.1 (shared by the page's other
 * requests, its inventory stream and the user's other tabs): more would stall them.
 */
const MAX_MERGED_CONTAINERS = 4;
/** Colours per container (pages.css .wl-c0 …). */
const COLOURS = 8;

/**
 * The workload's running containers in one live, time-ordered log, a colour per
 * container, each one shown or hidden by its chip.
 */
export function WorkloadLogs({ containers }: { containers: readonly Container[] }) {
  // Only running containers are followed, and those Docker cannot read are left out
  // below: what is left to refuse is the permission.
  const refused = useLogAccess(true);
  const { state, push } = useMergedLogs();
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());

  const running = runningFirst(containers).filter((c) => c.state === 'running' && c.logs_available);
  const followed = running.slice(0, MAX_MERGED_CONTAINERS);
  const byId = useMemo(() => new Map(containers.map((c) => [c.id, c])), [containers]);
  // Colours by name, so a container keeps its colour while others come and go.
  const colour = useMemo(() => {
    const names = [...containers].sort((a, b) => a.name.localeCompare(b.name));
    return new Map(names.map((c, i) => [c.id, i % COLOURS]));
  }, [containers]);
  const withLines = useMemo(() => new Set(state.lines.map((l) => l.container_id)), [state.lines]);
  const chips = containers.filter((c) => withLines.has(c.id) || followed.includes(c));
  const lines = useMemo(
    () =>
      hidden.size === 0 ? state.lines : state.lines.filter((l) => !hidden.has(l.container_id)),
    [state.lines, hidden],
  );
  // Search, levels, hits, clock and wrapping as in a container's log.
  const view = useLogView(lines, recordSource);
  const shown = view.shown;

  const { scroller, onScroll } = useFollowBottom(shown);

  if (refused) return refused;

  const toggle = (id: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const nameOf = (id: string) => byId.get(id)?.name ?? id.slice(0, 12);
  // Within a compose project the service says it in fewer letters.
  const labelOf = (id: string) => byId.get(id)?.compose_service ?? nameOf(id);

  return (
    <div className="log-viewer" data-testid="workload-logs">
      {followed.map((c) => (
        // A new run of the container is a new stream (its log starts over).
        <ContainerLogSource key={`${c.id} ${c.started_at}`} containerId={c.id} onLine={push} />
      ))}
      <div className="log-toolbar" role="group" aria-label="Containers shown">
        {chips.map((c) => (
          <label key={c.id} className={`checkbox container-chip wl-c${colour.get(c.id) ?? 0}`}>
            <input type="checkbox" checked={!hidden.has(c.id)} onChange={() => toggle(c.id)} />
            {c.name}
          </label>
        ))}
      </div>
      <LogToolbar controls={view.controls}>
        <span className="muted small" data-testid="merged-count">
          {shown.length} records, {state.lines.length} lines
          {state.discarded > 0 && ` (${state.discarded} older lines let go)`}
        </span>
      </LogToolbar>
      {running.length > followed.length && (
        <p className="muted small">
          Following {followed.length} of {running.length} running containers.
        </p>
      )}
      <div
        className={`log-scroll${view.controls.wrap === 'scroll' ? ' log-nowrap' : ''}`}
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-live="off"
        tabIndex={0}
      >
        {shown.map((record) => {
          const id = (record.lines[0] as MergedLine).container_id;
          return (
            <div
              key={record.key}
              className={`merged-line wl-c${colour.get(id) ?? 0}`}
              data-container={nameOf(id)}
            >
              <span className="merged-source" title={nameOf(id)}>
                {labelOf(id)}
              </span>
              <LogRecordView record={record} anchor={false} {...view.display} />
            </div>
          );
        })}
        {state.lines.length === 0 && (
          <div className="muted log-empty">
            {followed.length === 0 ? 'No running container in this workload.' : 'No lines yet.'}
          </div>
        )}
      </div>
    </div>
  );
}
