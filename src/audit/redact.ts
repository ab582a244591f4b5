/** Keys whose values never reach the journal, wherever they sit. */
const SECRET_KEY =
  /password|passphrase|passwd|secret|token|authorization|cookie|api[_-]?key|private[_-]?key|credential/i;

export const REDACTED = '[redacted]';

/** Shorter known secrets are only replaced where a value equals them, never inside text. */
const MIN_CONTAINED_SECRET = 8;

/**
 * A copy of `value` without secrets: values under secret-sounding keys and strings
 * that are (or contain) a known secret become `[redacted]`. Depth and size are bounded
 * so a hostile object cannot blow the journal up.
 */
export function redact(value: unknown, knownSecrets: Iterable<string> = []): unknown {
  const secrets = [...knownSecrets].filter((s) => s.length > 0);
  const scrubString = (s: string): string =>
    secrets.some(
      (secret) => s === secret || (secret.length >= MIN_CONTAINED_SECRET && s.includes(secret)),
    )
      ? REDACTED
      : s;
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrubString(v);
    if (v === null || typeof v !== 'object') {
      return typeof v === 'bigint' ? v.toString() : typeof v === 'function' ? undefined : v;
    }
    if (seen.has(v) || depth > 12) return '[…]';
    seen.add(v);
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      out[key] =
        SECRET_KEY.test(key) && item !== null && item !== undefined
          ? REDACTED
          : walk(item, depth + 1);
    }
    return out;
  };
  return walk(value, 0);
}
