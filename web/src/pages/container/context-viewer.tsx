import { useEffect, useMemo, useRef } from 'react';
import { ErrorMessage } from '../../components/errors';
import { Link } from '../../router/router';
import { isAnchor, type Anchor } from './context-lines';
import { withRecordedHits } from './log-buffer';
import { LogToolbar, useLogView } from './log-controls';
import type { LogRecord } from './log-records';
import { LogRecords, useLogAccess } from './log-viewer';
import { useLogContext, type ContextTarget } from './use-log-context';
import { useRecordedHits } from './use-recorded-hits';

interface Props {
  containerId: string;
  available: boolean;
  target: ContextTarget;
}

/**
 * "See in context": a container's log around one moment (a rule hit, an exit), read
 * from its history, the hit highlighted and scrolled to, more lines either way on
 * demand. The live log is one link away.
 */
export function ContextViewer({ containerId, available, target }: Props) {
  const refused = useLogAccess(available);
  const enabled = refused === null;
  const hits = useRecordedHits(containerId, enabled);
  const ctx = useLogContext(
    containerId,
    enabled ? target : { at: null, stream: null, until: null },
  );
  const lines = useMemo(() => withRecordedHits(ctx.lines, hits.byLine), [ctx.lines, hits.byLine]);
  const view = useLogView(lines);
  const scroller = useRef<HTMLDivElement>(null);
  const anchor: Anchor | null = target.at ? { at: target.at, stream: target.stream } : null;
  const isAnchorRecord = (record: LogRecord) => record.lines.some((l) => isAnchor(l, anchor));

  // Once the first lines are in: the hit in the middle, or the exit at the bottom.
  const placed = useRef(false);
  useEffect(() => {
    const el = scroller.current;
    if (placed.current || !el || ctx.loading === 'first' || lines.length === 0) return;
    placed.current = true;
    const hit = el.querySelector<HTMLElement>('[data-anchor]');
    if (hit) {
      const top = hit.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
      el.scrollTop = top - el.clientHeight / 2 + hit.offsetHeight / 2;
    } else el.scrollTop = el.scrollHeight;
  }, [ctx.loading, lines.length]);

  if (refused) return refused;

  const moreButton = (side: 'earlier' | 'later') => (
    <div className="log-more">
      <button
        type="button"
        className="small"
        disabled={ctx.loading !== null || (side === 'earlier' && ctx.exhausted.earlier)}
        onClick={() => ctx.more(side)}
      >
        {ctx.loading === side ? 'Loading…' : `Load ${side} lines`}
      </button>
      {ctx.exhausted[side] && (
        <span className="muted small">
          {side === 'earlier' ? 'The log starts here.' : 'No newer lines yet.'}
        </span>
      )}
    </div>
  );

  return (
    <div className="log-viewer log-context" data-testid="log-context">
      <div className="banner banner-info log-context-banner" role="status">
        {target.at
          ? 'The log around a rule hit, as it was: the line is highlighted.'
          : 'The last lines before the container exited.'}{' '}
        <Link to={`/containers/${encodeURIComponent(containerId)}`}>Back to the live log</Link>
      </div>
      <LogToolbar controls={view.controls}>
        <span className="muted small" data-testid="log-count">
          {view.filtered ? `${view.shown.length} of ${view.records.length}` : view.records.length}{' '}
          records
        </span>
      </LogToolbar>
      <ErrorMessage error={ctx.error} />
      {ctx.cut && (
        <div className="banner banner-warn" role="status" data-testid="log-context-cut">
          Logwarden stopped reading this log at its limit (lines scanned or time): some lines
          between those shown may be missing.
        </div>
      )}
      <LogRecords
        records={view.shown}
        view={view}
        scroller={scroller}
        isAnchor={isAnchorRecord}
        before={moreButton('earlier')}
      >
        {ctx.loading === 'first' && <div className="muted log-empty">Reading the log…</div>}
        {ctx.loading !== 'first' && lines.length === 0 && !ctx.error && (
          <div className="muted log-empty">Docker holds no lines around that moment.</div>
        )}
        {moreButton('later')}
      </LogRecords>
    </div>
  );
}
