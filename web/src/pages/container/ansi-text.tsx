import { Fragment, useMemo, type ReactNode } from 'react';
import { hasAnsi, parseAnsi, styleToCss } from './ansi';

/** The text with each occurrence of `search` (case-insensitive) marked. */
export function marked(text: string, search: string): ReactNode {
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

/**
 * Log text with its ANSI colours: each styled run a span holding a text node. React
 * writes text nodes, never markup, so `<script>` in a log stays text.
 */
export function AnsiText({ text, search }: { text: string; search: string }) {
  // Parsed once per text, not on each render (typing a search re-renders every line).
  const segments = useMemo(() => (hasAnsi(text) ? parseAnsi(text) : null), [text]);
  if (!segments) return <>{marked(text, search)}</>;
  return (
    <>
      {segments.map((segment, i) => {
        if (!segment.style) return <Fragment key={i}>{marked(segment.text, search)}</Fragment>;
        const { className, color, backgroundColor } = styleToCss(segment.style);
        return (
          <span
            key={i}
            className={`ansi ${className}`.trim()}
            style={color || backgroundColor ? { color, backgroundColor } : undefined}
          >
            {marked(segment.text, search)}
          </span>
        );
      })}
    </>
  );
}
