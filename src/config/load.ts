import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AppError, ErrorCode } from '../errors.js';
import { NATS_KEYS, natsKeyProblems, type NatsValues } from '../nats/config.js';
import { KEYS, type ConfigValues, type KeySpec } from './schema.js';

type SecretName = {
  [K in keyof typeof KEYS]: (typeof KEYS)[K] extends { secret: true } ? K : never;
}[keyof typeof KEYS];

export type Config = Readonly<Omit<ConfigValues, SecretName>>;
export type Secrets = Readonly<Pick<ConfigValues, SecretName>>;

/** Environment variables with the LOGWARDEN_ prefix that are not configuration keys. */
const NON_CONFIG_ENV = new Set(['LOGWARDEN_CONFIG', 'LOGWARDEN_ADMIN_PASSWORD']);
const TEST_ENV_PREFIX = 'LOGWARDEN_TEST_';

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Path of an optional YAML file; its keys nest the dotted names (`scanner: {burst: 20}`). */
  file?: string | null;
  /** Values that win over everything (tests), by config name. */
  values?: Partial<ConfigValues>;
}

function configError(key: string, reason: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.ConfigInvalid, `${key}: ${reason}`, { field: key, cause });
}

/** A YAML configuration file's keys, flattened to their dotted names. */
export function readConfigFile(path: string): Map<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw configError('--config', `cannot read ${path}: ${(err as Error).message}`, err);
  }
  const flat = new Map<string, unknown>();
  if (doc === null || doc === undefined) return flat;
  const walk = (node: unknown, prefix: string): void => {
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      for (const [k, v] of Object.entries(node)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else {
      flat.set(prefix, node);
    }
  };
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw configError('--config', `${path} must hold a mapping of keys`);
  walk(doc, '');
  return flat;
}

/** One key that is unknown or has a bad value. */
export interface ConfigProblem {
  key: string;
  reason: string;
}

/**
 * All of a configuration's problems in one error, one line each, so an operator fixes
 * them in one go instead of one per start.
 */
export function invalidConfig(problems: ConfigProblem[], causes: unknown[]): AppError {
  const lines = problems.map((p) => `${p.key}: ${p.reason}`);
  const message =
    lines.length === 1
      ? lines[0]!
      : `${lines.length} problems in the configuration:\n  ${lines.join('\n  ')}`;
  return new AppError(ErrorCode.ConfigInvalid, message, {
    field: problems[0]!.key,
    details: { problems },
    cause:
      causes.length === 1 ? causes[0] : causes.length > 1 ? new AggregateError(causes) : undefined,
  });
}

/**
 * Builds the validated, frozen configuration. Throws AppError CONFIG_INVALID listing
 * every key that is unknown or has a bad value; nothing is half-applied.
 */
export function loadConfig(sources: ConfigSources = {}): { config: Config; secrets: Secrets } {
  const env = sources.env ?? {};
  const file = sources.file ? readConfigFile(sources.file) : new Map<string, unknown>();
  const specs = Object.entries(KEYS) as [keyof typeof KEYS, KeySpec<unknown>][];
  const byKey = new Map(specs.map(([, spec]) => [spec.key, spec]));
  const byEnv = new Set(specs.map(([, spec]) => spec.env));

  const problems: ConfigProblem[] = [];
  const causes: unknown[] = [];
  for (const key of file.keys()) {
    if (!byKey.has(key)) problems.push({ key, reason: 'unknown configuration key' });
  }
  for (const name of Object.keys(env)) {
    if (!name.startsWith('LOGWARDEN_') || name.startsWith(TEST_ENV_PREFIX)) continue;
    if (!byEnv.has(name) && !NON_CONFIG_ENV.has(name))
      problems.push({ key: name, reason: 'unknown environment variable' });
  }

  const values = resolveKeys(specs, { env, file, values: sources.values }, problems, causes);
  // What the NATS keys mean together, once each of them parsed.
  if (Object.keys(NATS_KEYS).every((name) => values[name] !== undefined))
    problems.push(...natsKeyProblems(values as unknown as NatsValues));
  if (problems.length > 0) throw invalidConfig(problems, causes);

  return frozenApart<Config, Secrets>(specs, values);
}

/** Resolved values, frozen, with the secret keys' in an object of their own. */
export function frozenApart<C, S>(
  specs: readonly (readonly [string, KeySpec<unknown>])[],
  values: Readonly<Record<string, unknown>>,
): { config: C; secrets: S } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [name, spec] of specs) (spec.secret ? secrets : config)[name] = values[name];
  return {
    config: Object.freeze(config) as unknown as C,
    secrets: Object.freeze(secrets) as unknown as S,
  };
}

/**
 * Each key's value: the override, else the environment, else the file, else the
 * default. A bad value becomes a problem naming where it came from (the environment
 * variable or the YAML key); problems are collected, not thrown, so that a caller
 * reports them all at once.
 */
export function resolveKeys(
  specs: readonly (readonly [string, KeySpec<unknown>])[],
  sources: {
    env: NodeJS.ProcessEnv;
    file: Map<string, unknown>;
    values?: Readonly<Record<string, unknown>> | undefined;
  },
  problems: ConfigProblem[],
  causes: unknown[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    const override = sources.values?.[name];
    if (override !== undefined) {
      values[name] = override;
      continue;
    }
    const fromEnv = sources.env[spec.env];
    const [raw, where] =
      fromEnv !== undefined
        ? [fromEnv, spec.env]
        : sources.file.has(spec.key)
          ? [sources.file.get(spec.key), spec.key]
          : [undefined, spec.key];
    try {
      values[name] = raw === undefined ? spec.default : spec.parse(raw, where);
    } catch (err) {
      problems.push({
        key: where,
        reason: err instanceof AppError ? reasonOf(err, where) : String(err),
      });
      causes.push(err);
    }
  }
  return values;
}

function reasonOf(err: AppError, key: string): string {
  return err.message.startsWith(`${key}: `) ? err.message.slice(key.length + 2) : err.message;
}
