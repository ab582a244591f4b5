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

  describe('scale-out keys', () => {
    it('has an agent with no host id or name of its own, and 60 s before a host is silent', () => {
      const { config } = loadConfig({ env: {} });
      expect(config.agentHostId).toBeNull();
      expect(config.agentName).toBeNull();
      expect(config.fleetHostSilentAfterSeconds).toBe(60);
    });

    it('reads a host id, a name and the silence period from the file and the environment', () => {
      const file = yamlFile(
        'agent:\n  host_id: web-1\n  name: Web server 1\nfleet:\n  host_silent_after_seconds: 90\n',
      );
      const { config } = loadConfig({ env: { LOGWARDEN_AGENT_HOST_ID: 'web_2' }, file });
      expect(config.agentHostId).toBe('web_2');
      expect(config.agentName).toBe('Web server 1');
      expect(config.fleetHostSilentAfterSeconds).toBe(90);
    });

    it.each(['Web1', 'a.b', 'web 1', '-web', 'x'.repeat(65), 'local'])(
      'refuses the host id %s, naming the key',
      (id) => {
        const err = errorOf(() => loadConfig({ env: { LOGWARDEN_AGENT_HOST_ID: id } }));
        expect(err.code).toBe(ErrorCode.ConfigInvalid);
        expect(err.field).toBe('LOGWARDEN_AGENT_HOST_ID');
        expect(err.message).toMatch(/^LOGWARDEN_AGENT_HOST_ID: must be lowercase letters/);
      },
    );

    it('names the YAML key of a bad host id, and of a silence period too short', () => {
      const err = errorOf(() =>
        loadConfig({
          file: yamlFile('agent:\n  host_id: A\nfleet:\n  host_silent_after_seconds: 5\n'),
        }),
      );
      expect(err.field).toBe('agent.host_id');
      expect(err.message).toMatch(/agent.host_id: must be/);
      expect(err.message).toMatch(/fleet.host_silent_after_seconds: must be between 20/);
    });

    it('refuses credentials in the NATS URL, and never shows a secret in the error', () => {
      const err = errorOf(() =>
        loadConfig({
          env: {
            LOGWARDEN_NATS_URL: 'nats://bob:hunter2@127.0.0.1:4222',
            LOGWARDEN_NATS_TOKEN: 's3cret-token',
            LOGWARDEN_DATABASE_URL: 'postgres://u:pg-pass@db/x',
            LOGWARDEN_LISTEN: 'nowhere',
          },
        }),
      );
      expect(err.code).toBe(ErrorCode.ConfigInvalid);
      expect(err.message).toMatch(/LOGWARDEN_NATS_URL: the URL holds credentials/);
      expect(err.message).toMatch(/LOGWARDEN_LISTEN/);
      for (const secret of ['hunter2', 's3cret-token', 'pg-pass'])
        expect(JSON.stringify({ message: err.message, err })).not.toContain(secret);
    });

    it('checks the NATS keys together: a token without a URL is refused, naming the key', () => {
      const err = errorOf(() => loadConfig({ env: { LOGWARDEN_NATS_TOKEN: 's3cret-token' } }));
      expect(err.field).toBe('nats.token');
      expect(err.message).toMatch(/nats.token: is set but nats.url/);
      expect(err.message).not.toContain('s3cret-token');
    });

    it('keeps the NATS secrets apart from the configuration', () => {
      const { config, secrets } = loadConfig({
        env: {
          LOGWARDEN_NATS_URL: 'nats://a:4222,tls://b:4443',
          LOGWARDEN_NATS_TOKEN: 's3cret-token',
        },
      });
      expect(config.natsUrl).toEqual(['nats://a:4222', 'tls://b:4443']);
      expect(secrets.natsToken).toBe('s3cret-token');
      expect(JSON.stringify(config)).not.toContain('s3cret-token');
    });
  });
});
