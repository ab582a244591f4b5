import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { eventually } from '../../test/support/eventually.js';
import { TestNatsServer } from '../../test/support/nats-server.js';
import { natsRuleSetBucket, natsRuleSetFeed } from '../fleet/rule-set-bucket.js';
import { agentInboxPrefix, agentPermissions, natsAuthorizationBlock } from './permissions.js';
import { ensureStream } from './setup.js';
import { RULES_BUCKET, RULES_KEY, STREAM_NAME, hostSubject, msgId } from './subjects.js';

const RULES_STREAM = `KV_${RULES_BUCKET}`;
const RULES_V1 = '{"revision":1}';

describe('agentPermissions', () => {
  it('refuses what is not a host id: a wildcard would widen the grant', () => {
    expect(() => agentPermissions('web.*')).toThrow(/not a host id/);
    expect(() => agentPermissions('>')).toThrow(/not a host id/);
  });

  it('grants publishing only under its own host', () => {
    const publish = agentPermissions('web-1').publish.allow;
    expect(publish).toContain('logwarden.web-1.>');
    expect(publish.filter((s) => s.startsWith('logwarden'))).toEqual(['logwarden.web-1.>']);
    expect(publish.some((s) => s.startsWith('$KV.'))).toBe(false);
  });
});

/**
 * A real nats-server configured with the generated block: what the server enforces, not
 * what the list looks like.
 */
describe('a nats-server configured with agent users', () => {
  let server: TestNatsServer;
  let dir: string;
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  const open: NatsConnection[] = [];

  const asAgent = async (host: string) => {
    const nc = await connect({
      servers: server.url,
      user: `agent-${host}`,
      pass: `secret-${host}`,
      inboxPrefix: agentInboxPrefix(host),
      reconnect: false,
    });
    open.push(nc);
    return nc;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lw-nats-auth-'));
    const conf = join(dir, 'nats.conf');
    writeFileSync(
      conf,
      natsAuthorizationBlock([
        { user: 'serve', password: 'secret-serve' },
        ...['h1', 'h2'].map((h) => ({
          user: `agent-${h}`,
          password: `secret-${h}`,
          permissions: agentPermissions(h),
        })),
      ]),
    );
    server = await TestNatsServer.start({ args: ['-c', conf] });
    admin = await connect({ servers: server.url, user: 'serve', pass: 'secret-serve' });
    jsm = await jetstreamManager(admin);
    await ensureStream(jsm);
    // The bucket as a replica creates and writes it.
    expect(
      await natsRuleSetBucket(async () => admin).write(new TextEncoder().encode(RULES_V1), 0),
    ).toBe(true);
  });

  afterAll(async () => {
    for (const nc of open) await nc.close();
    await admin?.close();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a client without credentials', async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(
      /Authorization/i,
    );
  });

  it("lets an agent store its own host's messages in the stream", async () => {
    const js = jetstream(await asAgent('h1'));
    const id = msgId.status('h1', 'boot', 1);
    const ack = await js.publish(hostSubject('h1', 'status'), '{}', { msgID: id });
    expect(ack.stream).toBe(STREAM_NAME);
  });

  it('never stores what an agent publishes as another host', async () => {
    const nc = await asAgent('h1');
    const js = jetstream(nc, { timeout: 1_000 });
    const forged = await js
      .publish(hostSubject('h2', 'hits'), '{}', { msgID: 'forged' })
      .catch((e: unknown) => e);
    expect(forged).toBeInstanceOf(Error);
    const info = await jsm.streams.info(STREAM_NAME, { subjects_filter: 'logwarden.h2.>' });
    expect(info.state.subjects ?? {}).toEqual({});
  });

  it('lets an agent watch the rules bucket but not write it', async () => {
    const nc = await asAgent('h2');
    const seen: string[] = [];
    const watch = await natsRuleSetFeed(async () => nc).watch((value) =>
      seen.push(new TextDecoder().decode(value)),
    );
    await eventually(() => seen.length === 1, 10_000, 'the rule set');
    await watch.stop();
    expect(seen).toEqual([RULES_V1]);
    const kv = await new Kvm(nc).open(RULES_BUCKET);
    await expect(kv.put(RULES_KEY, '{"revision":99}', { timeout: 1_000 })).rejects.toThrow();
    const last = await jsm.streams.getMessage(RULES_STREAM, {
      last_by_subj: `$KV.${RULES_BUCKET}.${RULES_KEY}`,
    });
    expect(last?.string()).toBe(RULES_V1);
  });

  it("refuses an agent the stream's admin API", async () => {
    const nc = await asAgent('h1');
    await jetstream(nc).publish(hostSubject('h1', 'events'), '{}', { msgID: 'kept' });
    const before = (await jsm.streams.info(STREAM_NAME)).state.messages;
    expect(before).toBeGreaterThan(0);
    const agentJsm = await jetstreamManager(nc, { timeout: 1_000 });
    await expect(agentJsm.streams.purge(STREAM_NAME)).rejects.toThrow();
    await expect(agentJsm.streams.delete(STREAM_NAME)).rejects.toThrow();
    await expect(agentJsm.consumers.add(STREAM_NAME, { durable_name: 'x' })).rejects.toThrow();
    expect((await jsm.streams.info(STREAM_NAME)).state.messages).toBe(before);
    expect((await jsm.streams.info(STREAM_NAME)).config.name).toBe(STREAM_NAME);
  });
});
