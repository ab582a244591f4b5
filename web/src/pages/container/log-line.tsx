import { memo, type ReactNode } from 'react';
import { StreamMark } from '../../components/badges';
import type { ViewLine } from './log-buffer';

/** `2026-11-25T10:00:00.123456789Z` → `10:00:00.123` in local time. */
export function clock(ts: string | null): string {
  if (ts === null) return '';
  const at = new Date(ts);
  if (Number.isNaN(at.getTime())) return ts;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

/** The text with each occurrence of `search` marked. */
function marked(text: string, search: string): ReactNode {
  const needle = search.trim().toLowerCase();
  if (!needle) return text;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    parts.push(text.slice(from, at), <mark key={at}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return parts;
}

export const LogLineView = memo(function LogLineView({
  line,
  search,
}: {
  line: ViewLine;
  search: string;
}) {
  const hit = line.rules.length > 0;
  return (
    <div
      className={`log-line log-${line.stream}${hit ? ' log-hit' : ''}`}
      data-hit={hit || undefined}
    >
      <span className="log-ts" title={line.timestamp ?? undefined}>
        {clock(line.timestamp)}
      </span>
      <StreamMark stream={line.stream} />
      <span className="log-text">
        {marked(line.text, search)}
        {line.truncated && (
          <span className="muted small" title="Longer than 1 MiB: the rest was left out">
            {' '}
            … (cut)
          </span>
        )}
      </span>
      {hit && (
        <span className="log-rules">
          {line.rules.map((name, i) => (
            // An override may carry its global rule's name: names are not unique.
            <span key={`${i}:${name}`} className="badge rule" data-testid="hit-rule">
              {name}
            </span>
          ))}
        </span>
      )}
    </div>
  );
});
