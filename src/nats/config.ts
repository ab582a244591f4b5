import type { ConfigProblem } from '../config/load.js';
import { parse, type KeySpec } from '../config/parse.js';
import { AppError } from '../errors.js';

/**
 * The keys of a connection to NATS (scale-out: `logwarden agent`, and `serve` with
 * NATS), spread into config/schema.ts's KEYS; loadConfig checks them together with
 * natsKeyProblems(). Only the parsers come from config/: the schema imports this table.
 */

function fail(key: string, reason: string): never {
  throw AppError.validation(key, reason);
}

/**
 * One NATS server URL or several, comma-separated (a YAML list works too): nats:// or
 * tls://, default port 4222. Credentials in a URL are refused (the URL is shown and
 * logged; credentials have keys of their own), and a bad URL is not echoed back: it
 * may hold one.
 */
function natsServers() {
  return (raw: unknown, key: string): string[] => {
    if (raw === null || raw === undefined) return [];
    const items = Array.isArray(raw)
      ? raw.map((r) => (typeof r === 'string' ? r : fail(key, 'expected a list of URLs')))
      : typeof raw === 'string'
        ? raw.split(',')
        : fail(key, 'expected a URL or a comma-separated list of URLs');
    const urls = items.map((s) => s.trim()).filter((s) => s !== '');
    urls.forEach((s, i) => {
      const which = urls.length > 1 ? `URL ${i + 1}` : 'the URL';
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        return fail(key, `${which} is not a valid URL (nats://HOST:PORT)`);
      }
      if (url.username !== '' || url.password !== '')
        fail(
          key,
          `${which} holds credentials: set them with nats.user and nats.password, or nats.token, instead`,
        );
      if (url.protocol !== 'nats:' && url.protocol !== 'tls:')
        fail(key, `${which} must use nats: or tls:, got ${url.protocol}`);
      if (url.hostname === '') fail(key, `${which} has no host`);
    });
    return urls;
  };
}

/** A secret is taken as written (no trimming: spaces can belong to it); empty is unset. */
function secretText() {
  return (raw: unknown, key: string): string | null => {
    if (raw === null || raw === undefined) return null;
    if (typeof raw !== 'string' && typeof raw !== 'number') return fail(key, 'expected a string');
    const s = String(raw);
    return s === '' ? null : s;
  };
}

export const NATS_KEYS = {
  natsUrl: {
    key: 'nats.url',
    env: 'LOGWARDEN_NATS_URL',
    default: [] as string[],
    parse: natsServers(),
    doc: 'NATS server(s) for scale-out (agents and serve replicas), nats://HOST:PORT or tls://HOST:PORT, comma-separated; empty: single-host mode, no NATS. Credentials go in the nats.* keys, never in the URL.',
  },
  natsUser: {
    key: 'nats.user',
    env: 'LOGWARDEN_NATS_USER',
    default: null as string | null,
    parse: parse.optionalString(),
    doc: 'NATS user name, with nats.password.',
  },
  natsPassword: {
    key: 'nats.password',
    env: 'LOGWARDEN_NATS_PASSWORD',
    default: null as string | null,
    secret: true,
    parse: secretText(),
    doc: 'NATS password for nats.user.',
  },
  natsToken: {
    key: 'nats.token',
    env: 'LOGWARDEN_NATS_TOKEN',
    default: null as string | null,
    secret: true,
    parse: secretText(),
    doc: 'NATS authentication token (instead of a user or a credentials file).',
  },
  natsCredsFile: {
    key: 'nats.creds_file',
    env: 'LOGWARDEN_NATS_CREDS_FILE',
    default: null as string | null,
    parse: parse.optionalString(),
    doc: 'NATS credentials file (user JWT and NKEY seed, as `nsc` writes it) instead of a user or a token. The file is secret; its path is not.',
  },
  natsTlsCa: {
    key: 'nats.tls_ca',
    env: 'LOGWARDEN_NATS_TLS_CA',
    default: null as string | null,
    parse: parse.optionalString(),
    doc: "PEM file of the CA that signed the NATS server's certificate (implies TLS).",
  },
  natsTlsCert: {
    key: 'nats.tls_cert',
    env: 'LOGWARDEN_NATS_TLS_CERT',
    default: null as string | null,
    parse: parse.optionalString(),
    doc: 'PEM client certificate for NATS servers that verify clients, with nats.tls_key.',
  },
  natsTlsKey: {
    key: 'nats.tls_key',
    env: 'LOGWARDEN_NATS_TLS_KEY',
    default: null as string | null,
    parse: parse.optionalString(),
    doc: 'PEM private key of nats.tls_cert.',
  },
} satisfies Record<string, KeySpec<unknown>>;

type NatsKeys = typeof NATS_KEYS;
export type NatsValues = { [K in keyof NatsKeys]: ReturnType<NatsKeys[K]['parse']> };
type NatsSecretName = 'natsPassword' | 'natsToken';
export type NatsConfig = Readonly<Omit<NatsValues, NatsSecretName>>;
export type NatsSecrets = Readonly<Pick<NatsValues, NatsSecretName>>;

const name = (k: keyof NatsKeys) => `${NATS_KEYS[k].key} (${NATS_KEYS[k].env})`;

/**
 * What the keys mean only together: credentials or TLS without a URL, a password
 * without its user, two ways of authenticating at once, half a client certificate.
 * Each problem names the key that is set; none shows a value.
 */
export function natsKeyProblems(values: NatsValues): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const set = (k: keyof NatsKeys) => {
    const v = values[k];
    return Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined;
  };
  const problem = (k: keyof NatsKeys, reason: string) =>
    problems.push({ key: NATS_KEYS[k].key, reason });

  if (!set('natsUrl')) {
    for (const k of Object.keys(NATS_KEYS) as (keyof NatsKeys)[])
      if (k !== 'natsUrl' && set(k)) problem(k, `is set but ${name('natsUrl')} is not`);
    return problems;
  }
  if (set('natsPassword') && !set('natsUser'))
    problem('natsPassword', `is set without ${name('natsUser')}`);
  if (set('natsUser') && !set('natsPassword'))
    problem('natsUser', `is set without ${name('natsPassword')}`);
  const ways = (['natsUser', 'natsToken', 'natsCredsFile'] as const).filter(set);
  if (ways.length > 1)
    problem(
      ways[1]!,
      `cannot be combined with ${NATS_KEYS[ways[0]!].key}: authenticate with one of nats.user and nats.password, nats.token or nats.creds_file`,
    );
  if (set('natsTlsCert') && !set('natsTlsKey'))
    problem('natsTlsCert', `is set without ${name('natsTlsKey')}`);
  if (set('natsTlsKey') && !set('natsTlsCert'))
    problem('natsTlsKey', `is set without ${name('natsTlsCert')}`);
  return problems;
}

/**
 * The connection settings, or null when nats.url is empty: single-host mode, no NATS.
 * Takes the whole configuration as it is (it holds the NATS keys).
 */
export function natsSettings(
  config: NatsConfig,
  secrets: NatsSecrets,
): { config: NatsConfig; secrets: NatsSecrets } | null {
  return config.natsUrl.length === 0 ? null : { config, secrets };
}

/** Values never to be logged or shown (for the journal's and the logger's redaction). */
export function natsSecretValues(secrets: NatsSecrets): string[] {
  return [secrets.natsPassword, secrets.natsToken].filter((s): s is string => s !== null);
}
