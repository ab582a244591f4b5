import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys, type Authenticator } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../errors.js';
import { loadConfig, secretValues } from '../config/index.js';
import { natsSecretValues, natsSettings } from './config.js';
import { NatsLink, natsConnectOptions } from './connection.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-nats-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function yamlFile(text: string): string {
  const path = join(dir, `logwarden-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}

interface Problem {
  key: string;
  reason: string;
}

function errorOf(fn: () => unknown): AppError & { details: { problems?: Problem[] } } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError & { details: { problems?: Problem[] } };
  }
  throw new Error('expected an error');
}

const URL_ENV = { LOGWARDEN_NATS_URL: 'nats://127.0.0.1:4222' };

describe('the NATS keys, as loadConfig reads them', () => {
  it('is off by default: no URL, no credentials, no settings (single-host)', () => {
    const { config, secrets } = loadConfig({ env: {} });
    expect(config.natsUrl).toEqual([]);
    expect(config.natsUser).toBeNull();
    expect(secrets).toMatchObject({ natsPassword: null, natsToken: null });
    expect(natsSettings(config, secrets)).toBeNull();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads several servers, user and password, and keeps the password out of the config', () => {
    const { config, secrets } = loadConfig({
      env: {
        LOGWARDEN_NATS_URL: 'nats://a:4222, tls://b.example:4443',
        LOGWARDEN_NATS_USER: 'agent-web1',
        LOGWARDEN_NATS_PASSWORD: ' hunter2 ',
      },
    });
    expect(config.natsUrl).toEqual(['nats://a:4222', 'tls://b.example:4443']);
    expect(config.natsUser).toBe('agent-web1');
    // A secret is taken as written.
    expect(secrets.natsPassword).toBe(' hunter2 ');
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(natsSecretValues(secrets)).toEqual([' hunter2 ']);
    // What the journal and the logger redact.
    expect(secretValues(secrets)).toContain(' hunter2 ');
    expect(natsSettings(config, secrets)?.config.natsUser).toBe('agent-web1');
  });

  it('reads the nested YAML keys, the environment winning', () => {
    const file = yamlFile(
      'nats:\n  url: [nats://from-file:4222]\n  token: s3cret\n  tls_ca: /etc/ca.pem\n',
    );
    const { config, secrets } = loadConfig({
      env: { LOGWARDEN_NATS_URL: 'nats://from-env:4222' },
      file,
    });
    expect(config.natsUrl).toEqual(['nats://from-env:4222']);
    expect(config.natsTlsCa).toBe('/etc/ca.pem');
    expect(secrets.natsToken).toBe('s3cret');
  });

  it.each([
    ['LOGWARDEN_NATS_URL', 'http://x:4222', /must use nats: or tls:/],
    ['LOGWARDEN_NATS_URL', 'not a url', /not a valid URL/],
    ['LOGWARDEN_NATS_URL', 'nats://a:1,::bad', /URL 2 is not a valid URL/],
  ])('rejects %s=%s, naming the key', (name, value, reason) => {
    const err = errorOf(() => loadConfig({ env: { [name]: value } }));
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.field).toBe(name);
    expect(err.message.startsWith(`${name}: `)).toBe(true);
    expect(err.message).toMatch(reason);
  });

  it('refuses credentials in the URL without echoing them', () => {
    const err = errorOf(() =>
      loadConfig({ env: { LOGWARDEN_NATS_URL: 'nats://bob:hunter2@127.0.0.1:4222' } }),
    );
    expect(err.field).toBe('LOGWARDEN_NATS_URL');
    expect(err.message).toMatch(/holds credentials: set them with nats.user and nats.password/);
    expect(err.message).not.toContain('hunter2');
    expect(JSON.stringify(err.details)).not.toContain('hunter2');
  });

  it('names the YAML key when the file holds the bad value', () => {
    const err = errorOf(() => loadConfig({ file: yamlFile('nats:\n  url: 4222\n') }));
    expect(err.field).toBe('nats.url');
    expect(err.message).toMatch(/^nats.url: expected a URL/);
  });

  it('rejects a misspelt NATS key in the file or the environment, naming it', () => {
    const err = errorOf(() =>
      loadConfig({
        env: { LOGWARDEN_NATS_PASWORD: 'x', LOGWARDEN_LISTEN: '127.0.0.1:1' },
        file: yamlFile('listen: "127.0.0.1:1"\nnats:\n  usr: bob\n'),
      }),
    );
    expect(err.details.problems?.map((p) => p.key).sort()).toEqual([
      'LOGWARDEN_NATS_PASWORD',
      'nats.usr',
    ]);
  });

  it.each([
    [{ LOGWARDEN_NATS_USER: 'u', LOGWARDEN_NATS_PASSWORD: 'p' }, 'nats.user', /nats.url/],
    [{ ...URL_ENV, LOGWARDEN_NATS_PASSWORD: 'hunter2' }, 'nats.password', /without nats.user/],
    [{ ...URL_ENV, LOGWARDEN_NATS_USER: 'u' }, 'nats.user', /without nats.password/],
    [
      {
        ...URL_ENV,
        LOGWARDEN_NATS_USER: 'u',
        LOGWARDEN_NATS_PASSWORD: 'p',
        LOGWARDEN_NATS_TOKEN: 't',
      },
      'nats.token',
      /cannot be combined with nats.user/,
    ],
    [
      { ...URL_ENV, LOGWARDEN_NATS_TOKEN: 't', LOGWARDEN_NATS_CREDS_FILE: '/x.creds' },
      'nats.creds_file',
      /cannot be combined with nats.token/,
    ],
    [{ ...URL_ENV, LOGWARDEN_NATS_TLS_CERT: '/c.pem' }, 'nats.tls_cert', /without nats.tls_key/],
    [{ ...URL_ENV, LOGWARDEN_NATS_TLS_KEY: '/k.pem' }, 'nats.tls_key', /without nats.tls_cert/],
  ])('rejects keys that do not go together (%o), naming %s', (env, key, reason) => {
    const err = errorOf(() => loadConfig({ env }));
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.field).toBe(key);
    expect(err.message).toMatch(reason);
    expect(err.message).not.toContain('hunter2');
  });

  it('lists every problem at once, one line each', () => {
    const err = errorOf(() =>
      loadConfig({ env: { LOGWARDEN_NATS_TOKEN: 't', LOGWARDEN_NATS_TLS_CA: '/ca.pem' } }),
    );
    expect(err.details.problems?.map((p) => p.key).sort()).toEqual(['nats.tls_ca', 'nats.token']);
    expect(err.message.split('\n')[0]).toBe('2 problems in the configuration:');
  });
});

describe('natsConnectOptions', () => {
  const config = (over: object = {}) => ({ ...loadConfig({ env: URL_ENV }).config, ...over });
  const none = { natsPassword: null, natsToken: null };

  it('reconnects forever, also past authentication errors', () => {
    const opts = natsConnectOptions(config(), none, { name: 't' });
    expect(opts.maxReconnectAttempts).toBe(-1);
    expect(opts.ignoreAuthErrorAbort).toBe(true);
    expect(opts.tls).toBeUndefined();
  });

  it('names the key of a file it cannot read', () => {
    const err = errorOf(
      () =>
        new NatsLink(config({ natsCredsFile: '/nonexistent/agent.creds' }), none, { name: 't' }),
    );
    expect(err.code).toBe(ErrorCode.ConfigInvalid);
    expect(err.field).toBe('nats.creds_file');
    expect(err.message).toMatch(/^nats.creds_file: cannot read \/nonexistent\/agent.creds: ENOENT/);
    const tls = errorOf(() =>
      natsConnectOptions(config({ natsTlsCa: '/nonexistent/ca.pem' }), none, { name: 't' }),
    );
    expect(tls.field).toBe('nats.tls_ca');
  });

  it('reads the credentials file at every connect, keeping the last good one while it is replaced', () => {
    // nsc reissues user JWTs (expiry, changed permissions): a client that kept the first
    // one would reconnect for ever with credentials the server no longer takes.
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    const creds = (jwt: string) =>
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;
    const path = join(dir, 'agent.creds');
    writeFileSync(path, creds('JWT-ONE'));
    const opts = natsConnectOptions(config({ natsCredsFile: path }), none, { name: 't' });
    const auth = opts.authenticator as Authenticator;
    expect(auth('nonce')).toMatchObject({ jwt: 'JWT-ONE' });
    writeFileSync(path, creds('JWT-TWO'));
    expect(auth('nonce')).toMatchObject({ jwt: 'JWT-TWO' });
    // Mid-replacement (gone, or half written): the client would close for good on a throw.
    rmSync(path);
    expect(auth('nonce')).toMatchObject({ jwt: 'JWT-TWO' });
    writeFileSync(path, 'half a file');
    expect(auth('nonce')).toMatchObject({ jwt: 'JWT-TWO' });
    // At start there is no good one yet: a configuration mistake, named by its key.
    const err = errorOf(() =>
      natsConnectOptions(config({ natsCredsFile: path }), none, { name: 't' }),
    );
    expect(err.field).toBe('nats.creds_file');
    expect(err.message).toMatch(/does not hold a user JWT and NKEY seed/);
  });

  it('reads the TLS files into the options and turns TLS on for tls:// URLs', () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    const withCa = natsConnectOptions(config({ natsTlsCa: join(dir, 'ca.pem') }), none, {
      name: 't',
    });
    expect(withCa.tls).toEqual({ ca: 'CA PEM' });
    const tlsUrl = natsConnectOptions(config({ natsUrl: ['tls://h:4443'] }), none, { name: 't' });
    expect(tlsUrl.tls).toEqual({});
  });
});
