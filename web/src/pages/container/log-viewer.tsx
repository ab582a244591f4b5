import { useMemo, type ReactNode, type RefObject } from 'react';
import { ConnectionBanner, LiveIndicator } from '../../components/connection-banner';
import { useFollowBottom } from '../../hooks/use-follow-bottom';
import { useSession } from '../../shell/session';
import { withRecordedHits } from './log-buffer';
import { LogToolbar, useLogView } from './log-controls';
import { LogRecordView } from './log-record';
import type { LogRecord } from './log-records';
import { useLogStream } from './use-log-stream';
import { useRecordedHits } from './use-recorded-hits';

interface Props {
  containerId: string;
  /** Docker can read its log (not `--log-driver none`). */
  available: boolean;
  /** Its start time while it runs, else null: a new run restarts an ended stream. */
  run: string | null;
}

/** Why there is no log to show, or null. */
export function useLogAccess(available: boolean): ReactNode {
  // Reading logs is a permission of its own (a log can hold anything the application
  // printed): admins, and viewers where the server allows it.
  const { canReadLogs } = useSession();
  if (!available)
    return (
      <p className="empty">
        Docker cannot read this container&apos;s log (its log driver keeps none).
      </p>
    );
  if (!canReadLogs)
    return (
      <p className="empty" data-testid="log-not-allowed">
        Reading logs is not allowed for your role here: ask an admin (the setting is
        auth.viewers_read_logs).
      </p>
    );
  return null;
}

/** The scrolling list of records, wrapped or scrolled sideways as chosen. */
export function LogRecords({
  records,
  view,
  scroller,
  onScroll,
  isAnchor,
  before,
  children,
}: {
  records: readonly LogRecord[];
  view: ReturnType<typeof useLogView>;
  scroller: RefObject<HTMLDivElement | null>;
  onScroll?: () => void;
  isAnchor?: (record: LogRecord) => boolean;
  /** Shown before the records ("load earlier"). */
  before?: ReactNode;
  /** Shown after the records (the end of the log, an empty log). */
  children?: ReactNode;
}) {
  return (
    <div
      className={`log-scroll${view.controls.wrap === 'scroll' ? ' log-nowrap' : ''}`}
      ref={scroller}
      onScroll={onScroll}
      role="log"
      aria-live="off"
      tabIndex={0}
    >
      {before}
      {records.map((record) => (
        <LogRecordView
          key={record.key}
          record={record}
          anchor={isAnchor?.(record) ?? false}
          {...view.display}
        />
      ))}
      {children}
    </div>
  );
}

/** A container's log, live: the last lines, then each new one. */
export function LogViewer({ containerId, available, run }: Props) {
  const refused = useLogAccess(available);
  const enabled = refused === null;
  const hits = useRecordedHits(containerId, enabled);
  const { buffer, status, pause, end, dropped } = useLogStream(containerId, {
    enabled,
    run,
    onReopen: hits.reload,
  });
  const lines = useMemo(
    () => withRecordedHits(buffer.lines, hits.byLine),
    [buffer.lines, hits.byLine],
  );
  const view = useLogView(lines);
  const { scroller, following, onScroll, jumpToBottom } = useFollowBottom(view.shown);

  if (refused) return refused;

  return (
    <div className="log-viewer">
      <ConnectionBanner status={status} what="log stream" />
      <LogToolbar controls={view.controls}>
        <LiveIndicator status={status} paused={buffer.paused} />
        <button
          type="button"
          className="small"
          onClick={() => pause(!buffer.paused)}
          aria-pressed={buffer.paused}
        >
          {buffer.paused
            ? `Resume${buffer.held.length ? ` (${buffer.held.length} new)` : ''}`
            : 'Pause'}
        </button>
        <span className="muted small" data-testid="log-count">
          {view.filtered ? `${view.shown.length} of ${view.records.length}` : view.records.length}{' '}
          records
          {buffer.discarded > 0 && ` (${buffer.discarded} older lines let go)`}
        </span>
      </LogToolbar>
      {dropped > 0 && (
        <div className="banner banner-warn" role="status">
          {dropped} lines were left out because this page could not keep up.
        </div>
      )}
      <LogRecords records={view.shown} view={view} scroller={scroller} onScroll={onScroll}>
        {lines.length === 0 && !end && (
          <div className="muted log-empty">
            {status === 'open' ? 'No lines yet.' : 'Connecting…'}
          </div>
        )}
        {end && (
          <div className="muted log-end" data-testid="log-end">
            {end.reason === 'error'
              ? `The log stream ended: ${end.message ?? end.code ?? 'an error'}.`
              : end.reason === 'access revoked'
                ? 'The log stream ended: you were signed out, or may no longer read logs.'
                : 'The container stopped: its log ends here, until it runs again.'}
          </div>
        )}
      </LogRecords>
      {!following && (
        <button type="button" className="jump-bottom" onClick={jumpToBottom}>
          Jump to bottom ↓
        </button>
      )}
    </div>
  );
}
