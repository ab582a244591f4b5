/** 75 → "1m 15s"; 3720 → "1h 2m"; 90000 → "1d 1h". */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s > 0 ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}

/** What an incident is about, from its key: `crash:…` → "crash", `rule:4:…` → "rule 4". */
export function incidentKind(key: string): string {
  const [kind, second] = key.split(':');
  return kind === 'rule' ? `rule ${second}` : (kind ?? key);
}
