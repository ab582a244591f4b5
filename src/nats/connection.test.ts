import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { loadConfig } from '../config/index.js';
import { NatsLink, isAuthError, type NatsStatus } from './connection.js';

function linkTo(url: string, env: NodeJS.ProcessEnv = {}): NatsLink {
  const { config, secrets } = loadConfig({ env: { LOGWARDEN_NATS_URL: url, ...env } });
  return new NatsLink(config, secrets, { name: 'test', reconnectWaitMs: 100 });
}

async function expectRefused(link: NatsLink): Promise<void> {
  const err = await link.start().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the connection should have been refused').not.toBeNull();
  expect(isAuthError(err)).toBe(true);
  expect(link.status().state).toBe('closed');
  expect(link.status().last_error).toMatch(/authorization/i);
  await link.close();
}

async function expectAccepted(link: NatsLink): Promise<void> {
  const nc = await link.start();
  expect(link.status().state).toBe('connected');
  // A round trip through the server: the credentials were taken, not just the socket.
  await nc.flush();
  await link.close();
}

describe('NatsLink with user and password', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await TestNatsServer.start({ args: ['--user', 'agent', '--pass', 'hunter2'] });
  });
  afterAll(() => server.destroy());

  it('is refused without credentials', () => expectRefused(linkTo(server.url)));

  it('is refused with a wrong password', () =>
    expectRefused(
      linkTo(server.url, { LOGWARDEN_NATS_USER: 'agent', LOGWARDEN_NATS_PASSWORD: 'wrong' }),
    ));

  it('is accepted with the user and password', () =>
    expectAccepted(
      linkTo(server.url, { LOGWARDEN_NATS_USER: 'agent', LOGWARDEN_NATS_PASSWORD: 'hunter2' }),
    ));

  it('never puts the password in its status', async () => {
    const link = linkTo(server.url, {
      LOGWARDEN_NATS_USER: 'agent',
      LOGWARDEN_NATS_PASSWORD: 'wrong-hunter3',
    });
    await link.start().catch(() => undefined);
    expect(JSON.stringify(link.status())).not.toContain('hunter3');
    await link.close();
  });
});

describe('NatsLink with a token', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await TestNatsServer.start({ args: ['--auth', 's3cret-token'] });
  });
  afterAll(() => server.destroy());

  it('is refused without credentials', () => expectRefused(linkTo(server.url)));

  it('is refused with another token', () =>
    expectRefused(linkTo(server.url, { LOGWARDEN_NATS_TOKEN: 'guess' })));

  it('is accepted with the token', () =>
    expectAccepted(linkTo(server.url, { LOGWARDEN_NATS_TOKEN: 's3cret-token' })));
});

describe('NatsLink status', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await TestNatsServer.start();
  });
  afterAll(() => server.destroy());

  it('waits for a server that is not up yet, then connects', async () => {
    await server.stop();
    const link = linkTo(server.url);
    const started = link.start();
    await eventually(() => link.status().last_error !== null, 10_000, 'a connect error');
    expect(link.status().state).toBe('connecting');
    expect(link.status().last_error).toMatch(/ECONNREFUSED|refused/i);
    await server.restart();
    await started;
    expect(link.status().state).toBe('connected');
    await link.close();
  });

  it('says reconnecting while the server is down and connected when it is back', async () => {
    if (!server.running) await server.restart();
    const link = linkTo(server.url);
    const seen: NatsStatus['state'][] = [];
    link.onStatus((s) => seen.push(s.state));
    await link.start();
    await server.stop();
    await eventually(() => link.status().state === 'reconnecting', 10_000, 'reconnecting');
    await server.restart();
    await eventually(() => link.status().state === 'connected', 15_000, 'connected again');
    expect(link.status().reconnects).toBe(1);
    expect(seen).toEqual(['connected', 'reconnecting', 'connected']);
    await link.close();
    expect(link.status().state).toBe('closed');
  });

  it('closes promptly while reconnecting', async () => {
    if (!server.running) await server.restart();
    const link = linkTo(server.url);
    await link.start();
    await server.stop();
    await eventually(() => link.status().state === 'reconnecting', 10_000, 'reconnecting');
    const started = Date.now();
    await link.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(link.status().state).toBe('closed');
  });

  it('stops trying when closed before it ever connected', async () => {
    await server.stop();
    const link = linkTo(server.url);
    const started = link.start().catch((e: unknown) => e);
    await eventually(() => link.status().last_error !== null, 10_000, 'a connect error');
    await link.close();
    expect(await started).toBeInstanceOf(Error);
    expect(link.status().state).toBe('closed');
  });
});
