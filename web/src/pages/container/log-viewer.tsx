import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ConnectionBanner, LiveIndicator } from '../../components/connection-banner';
import { useSession } from '../../shell/session';
import { searchLines, withRecordedHits } from './log-buffer';
import { LogLineView } from './log-line';
import { useLogStream } from './use-log-stream';
import { useRecordedHits } from './use-recorded-hits';

/** Near enough to the bottom to keep following new lines. */
const STICK_PX = 40;

interface Props {
  containerId: string;
  /** Docker can read its log (not `--log-driver none`). */
  available: boolean;
  /** Its start time while it runs, else null: a new run restarts an ended stream. */
  run: string | null;
}

export function LogViewer({ containerId, available, run }: Props) {
  // Reading logs is a permission of its own (a log can hold anything the application
  // printed): admins, and viewers where the server allows it.
  const { canReadLogs } = useSession();
  const enabled = available && canReadLogs;
  const hits = useRecordedHits(containerId, enabled);
  const { buffer, status, pause, end, dropped } = useLogStream(containerId, {
    enabled,
    run,
    onReopen: hits.reload,
  });
  const [search, setSearch] = useState('');
  const [onlyHits, setOnlyHits] = useState(false);
  const [following, setFollowing] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const lines = useMemo(
    () => withRecordedHits(buffer.lines, hits.byLine),
    [buffer.lines, hits.byLine],
  );
  const shown = useMemo(() => searchLines(lines, search, onlyHits), [lines, search, onlyHits]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && following) el.scrollTop = el.scrollHeight;
  }, [shown, following]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX);
  };
  const jumpToBottom = () => {
    setFollowing(true);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

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

  return (
    <div className="log-viewer">
      <ConnectionBanner status={status} what="log stream" />
      <div className="log-toolbar">
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
        <input
          type="search"
          className="log-search"
          placeholder="Search loaded lines"
          aria-label="Search loaded lines"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label className="checkbox">
          <input
            type="checkbox"
            checked={onlyHits}
            onChange={(e) => setOnlyHits(e.target.checked)}
          />
          only hits
        </label>
        <span className="muted small" data-testid="log-count">
          {search || onlyHits ? `${shown.length} of ${lines.length}` : lines.length} lines
          {buffer.discarded > 0 && ` (${buffer.discarded} older let go)`}
        </span>
      </div>
      {dropped > 0 && (
        <div className="banner banner-warn" role="status">
          {dropped} lines were left out because this page could not keep up.
        </div>
      )}
      <div
        className="log-scroll"
        ref={scroller}
        onScroll={onScroll}
        role="log"
        aria-live="off"
        tabIndex={0}
      >
        {shown.map((line) => (
          <LogLineView key={line.seq} line={line} search={search} />
        ))}
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
      </div>
      {!following && (
        <button type="button" className="jump-bottom" onClick={jumpToBottom}>
          Jump to bottom ↓
        </button>
      )}
    </div>
  );
}
