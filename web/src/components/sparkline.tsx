/** A tiny bar chart of counts (e.g. hits per hour over a day), drawn as SVG. */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const max = Math.max(1, ...values);
  const width = values.length * 3;
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${width} 20`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      {values.map((v, i) =>
        v > 0 ? (
          <rect key={i} x={i * 3} y={20 - (v / max) * 20} width={2} height={(v / max) * 20} />
        ) : (
          <rect key={i} className="zero" x={i * 3} y={19} width={2} height={1} />
        ),
      )}
    </svg>
  );
}
