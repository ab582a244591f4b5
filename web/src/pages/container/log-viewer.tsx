import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ConnectionBanner, LiveIndicator } from '../../components/connection-banner';
import { searchLines } from './log-buffer';
import { LogLineView } from './log-line';
import { useLogStream } from './use-log-stream';

/** Near enough to the bottom to keep following new lines. */
const STICK_PX = 40;

export function LogViewer({ containerId, available }: { containerId: string; available: boolean }) {
  const { buffer, status, pause } = useLogStream(containerId, available);
  const [search, setSearch] = useState('');
  const [onlyHits, setOnlyHits] = useState(false);
  const [following, setFollowing] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const shown = useMemo(
    () => searchLines(buffer.lines, search, onlyHits),
    [buffer.lines, search, onlyHits],
  );

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
          {search || onlyHits ? `${shown.length} of ${buffer.lines.length}` : buffer.lines.length}{' '}
          lines
          {buffer.discarded > 0 && ` (${buffer.discarded} older let go)`}
        </span>
      </div>
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
        {buffer.lines.length === 0 && (
          <div className="muted log-empty">
            {status === 'open' ? 'No lines yet.' : 'Connecting…'}
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
