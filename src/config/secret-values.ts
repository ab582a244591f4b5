import { natsSecretValues } from '../nats/config.js';
import type { Secrets } from './load.js';

/**
 * Values that must never appear in what Logwarden writes or shows (the journal, logs):
 * the database URL and, separately, its password — a password is often reused where
 * the URL is not — and the NATS password and token.
 */
export function secretValues(secrets: Secrets): string[] {
  const out: string[] = [];
  if (secrets.databaseUrl) {
    out.push(secrets.databaseUrl);
    try {
      const password = decodeURIComponent(new URL(secrets.databaseUrl).password);
      if (password) out.push(password);
    } catch {
      // not a URL with a password
    }
  }
  out.push(...natsSecretValues(secrets));
  return out;
}
