import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';

/**
 * How a configuration key is read. The YAML file uses the dotted key as nesting
 * (`scanner: { burst: 20 }`), the environment the `env` name; env wins over the file,
 * the file over the default. Apart from the table of keys (schema.ts) so that a domain
 * can declare its own keys with these parsers (src/nats/config.ts) without a cycle.
 */
export interface KeySpec<T> {
  key: string;
  env: string;
  default: T;
  secret?: boolean;
  parse: (raw: unknown, key: string) => T;
  doc: string;
}

function fail(key: string, reason: string): never {
  throw AppError.validation(key, reason);
}

function text(raw: unknown, key: string): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return fail(key, `expected a string, got ${describe(raw)}`);
}

function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  return typeof raw === 'object' ? 'a mapping' : `${typeof raw} ${JSON.stringify(raw)}`;
}

export const parse = {
  string:
    (opts: { nonEmpty?: boolean } = {}) =>
    (raw: unknown, key: string): string => {
      const s = text(raw, key).trim();
      if (opts.nonEmpty && s === '') fail(key, 'must not be empty');
      return s;
    },
  optionalString:
    () =>
    (raw: unknown, key: string): string | null => {
      if (raw === null || raw === undefined) return null;
      const s = text(raw, key).trim();
      return s === '' ? null : s;
    },
  integer:
    (min: number, max: number) =>
    (raw: unknown, key: string): number => {
      const s = text(raw, key).trim();
      if (!/^-?\d+$/.test(s)) fail(key, `expected an integer, got ${JSON.stringify(s)}`);
      const n = Number(s);
      if (n < min || n > max) fail(key, `must be between ${min} and ${max}, got ${n}`);
      return n;
    },
  number:
    (min: number, max: number) =>
    (raw: unknown, key: string): number => {
      const s = text(raw, key).trim();
      const n = Number(s);
      if (s === '' || !Number.isFinite(n)) fail(key, `expected a number, got ${JSON.stringify(s)}`);
      if (n < min || n > max) fail(key, `must be between ${min} and ${max}, got ${n}`);
      return n;
    },
  /** Unset (absent or empty) is null: the caller decides what that means. */
  optionalBoolean:
    () =>
    (raw: unknown, key: string): boolean | null => {
      if (raw === null || raw === undefined || text(raw, key).trim() === '') return null;
      return parse.boolean()(raw, key);
    },
  boolean:
    () =>
    (raw: unknown, key: string): boolean => {
      const s = text(raw, key).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return fail(key, `expected true or false, got ${JSON.stringify(s)}`);
    },
  oneOf:
    <T extends string>(values: readonly T[]) =>
    (raw: unknown, key: string): T => {
      const s = text(raw, key).trim();
      if (!(values as readonly string[]).includes(s))
        fail(key, `must be one of ${values.join(', ')}, got ${JSON.stringify(s)}`);
      return s as T;
    },
  listen:
    () =>
    (raw: unknown, key: string): { host: string; port: number } => {
      const s = text(raw, key).trim();
      const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
      if (!m) fail(key, `expected HOST:PORT (e.g. 127.0.0.1:8080), got ${JSON.stringify(s)}`);
      const port = Number(m[3]);
      if (port > 65535) fail(key, `port must be at most 65535, got ${port}`);
      return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
    },
  /** Comma-separated IP addresses or CIDR ranges. */
  addressList:
    () =>
    (raw: unknown, key: string): string[] => {
      const items = (Array.isArray(raw) ? raw.map((r) => text(r, key)) : text(raw, key).split(','))
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const item of items)
        if (!ipaddr.isValid(item) && !ipaddr.isValidCIDR(item))
          fail(key, `${JSON.stringify(item)} is not an IP address or CIDR range`);
      return items;
    },
  url:
    (protocols: readonly string[]) =>
    (raw: unknown, key: string): string | null => {
      if (raw === null || raw === undefined) return null;
      const s = text(raw, key).trim();
      if (s === '') return null;
      let url: URL;
      try {
        url = new URL(s);
      } catch {
        return fail(key, 'is not a valid URL');
      }
      if (!protocols.includes(url.protocol))
        fail(key, `must use ${protocols.join(' or ')}, got ${url.protocol}`);
      return s;
    },
};

