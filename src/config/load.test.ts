import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors.js';
import { loadConfig } from './load.js';

function yamlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lw-config-')), 'logwarden.yaml');
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): { code: string; field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; field?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('has embedded defaults that need nothing', () => {
    const { config, secrets } = loadConfig({ env: {} });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.dataDir).toBe('./data');
    expect(config.dockerHost).toBe('unix:///var/run/docker.sock');
    expect(config.inventoryResyncSeconds).toBe(30);
    expect(secrets.databaseUrl).toBeNull();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keeps secrets out of the config object', () => {
    const { config, secrets } = loadConfig({
      env: { LOGWARDEN_DATABASE_URL: 'postgres://u:hunter2@db/x' },
    });
    expect(secrets.databaseUrl).toBe('postgres://u:hunter2@db/x');
    expect(JSON.stringify(config)).not.toContain('hunter2');
  });

  it('reads nested YAML keys and lets the environment win', () => {
    const file = yamlFile('listen: "0.0.0.0:9000"\ninventory:\n  resync_seconds: 12\n');
    const { config } = loadConfig({ env: { LOGWARDEN_LISTEN: '127.0.0.1:7000' }, file });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(config.inventoryResyncSeconds).toBe(12);
  });

  it('parses IPv6 listen addresses', () => {
    const { config } = loadConfig({ env: { LOGWARDEN_LISTEN: '[::1]:8081' } });
    expect(config.listen).toEqual({ host: '::1', port: 8081 });
  });

  it('rejects an unknown YAML key, naming it', () => {
    const err = errorOf(() => loadConfig({ file: yamlFile('inventory:\n  resync_secs: 5\n') }));
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.field).toBe('inventory.resync_secs');
    expect(err.message).toMatch(/unknown configuration key/);
  });

  it('reports every mistake of a YAML file at once, one line each', () => {
    const file = yamlFile('listen: "localhost"\ninventory:\n  resync_secs: 5\nlog_level: loud\n');
    const err = errorOf(() => loadConfig({ env: {}, file })) as unknown as {
      message: string;
      details: { problems: { key: string; reason: string }[] };
    };
    expect(err.details.problems.map((p) => p.key).sort()).toEqual([
      'inventory.resync_secs',
      'listen',
      'log_level',
    ]);
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('3 problems in the configuration:');
    expect(
      lines
        .slice(1)
        .map((l) => l.trim().split(':')[0])
        .sort(),
    ).toEqual(['inventory.resync_secs', 'listen', 'log_level']);
  });

  it('rejects an unknown LOGWARDEN_ variable but ignores the test harness ones', () => {
    const err = errorOf(() => loadConfig({ env: { LOGWARDEN_LISTN: '1' } }));
    expect(err.field).toBe('LOGWARDEN_LISTN');
    expect(() => loadConfig({ env: { LOGWARDEN_TEST_PG_URL: 'x', PATH: '/bin' } })).not.toThrow();
  });

  it.each([
    ['LOGWARDEN_LISTEN', 'localhost', /HOST:PORT/],
    ['LOGWARDEN_LISTEN', '127.0.0.1:70000', /at most 65535/],
    ['LOGWARDEN_LOG_LEVEL', 'loud', /must be one of/],
    ['LOGWARDEN_EVENTS_RETENTION_DAYS', 'ten', /expected an integer/],
    ['LOGWARDEN_EVENTS_RETENTION_DAYS', '0', /between 1 and/],
    ['DOCKER_TLS_VERIFY', 'maybe', /true or false/],
    ['LOGWARDEN_DATABASE_URL', 'mysql://x', /must use/],
    ['LOGWARDEN_PUBLIC_URL', 'not a url', /not a valid URL/],
  ])('rejects %s=%s with the reason', (name, value, reason) => {
    const err = errorOf(() => loadConfig({ env: { [name]: value } }));
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.field).toBe(name);
    expect(err.message).toMatch(reason);
    expect(err.message.startsWith(`${name}: `)).toBe(true);
  });

  it('names the YAML key when the file holds the bad value', () => {
    const err = errorOf(() => loadConfig({ file: yamlFile('events:\n  retention_days: [1]\n') }));
    expect(err.field).toBe('events.retention_days');
  });

  it('reports a YAML file it cannot parse', () => {
    const err = errorOf(() => loadConfig({ file: yamlFile('listen: [unclosed\n') }));
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.message).toMatch(/cannot read/);
  });
});
