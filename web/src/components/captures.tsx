/** A rule's captures: named groups by name, unnamed ones as $1, $2… */
export function Captures({ captures }: { captures: Record<string, unknown> | undefined }) {
  const entries = Object.entries(captures ?? {});
  if (entries.length === 0) return <span className="muted">no captures</span>;
  return (
    <dl className="captures">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>
            <code>{String(value)}</code>
          </dd>
        </div>
      ))}
    </dl>
  );
}
