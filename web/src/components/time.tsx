const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** "3 min. ago", with the exact time on hover. */
export function Time({ iso, now = Date.now() }: { iso: string | null | undefined; now?: number }) {
  if (!iso) return <span className="muted">—</span>;
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return <span>{iso}</span>;
  const diff = at - now;
  // Clocks differ a little, and `now` is refreshed only now and then.
  if (Math.abs(diff) < 10_000)
    return (
      <time dateTime={iso} title={new Date(at).toLocaleString()}>
        just now
      </time>
    );
  const [unit, ms] = UNITS.find(([, size]) => Math.abs(diff) >= size) ?? UNITS[UNITS.length - 1]!;
  return (
    <time dateTime={iso} title={new Date(at).toLocaleString()}>
      {relative.format(Math.round(diff / ms), unit)}
    </time>
  );
}

/** The exact local time, for logs and details. */
export function ExactTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  const at = Date.parse(iso);
  return <time dateTime={iso}>{Number.isFinite(at) ? new Date(at).toLocaleString() : iso}</time>;
}
