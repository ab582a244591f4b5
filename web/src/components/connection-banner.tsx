import type { StreamStatus } from '../hooks/use-event-source';

/** Says so when a live stream is down; it disappears once the stream is back. */
export function ConnectionBanner({ status, what }: { status: StreamStatus; what: string }) {
  if (status !== 'lost') return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="connection-lost">
      Connection to the {what} lost — reconnecting…
    </div>
  );
}

const LABELS: Record<StreamStatus, string> = {
  connecting: 'connecting',
  open: 'live',
  lost: 'reconnecting',
  ended: 'ended',
};

/** A small live/paused/reconnecting indicator for a stream's header. */
export function LiveIndicator({ status, paused }: { status: StreamStatus; paused?: boolean }) {
  return (
    <span className={`live live-${paused ? 'paused' : status}`} data-testid="live-status">
      {paused ? 'paused' : LABELS[status]}
    </span>
  );
}
