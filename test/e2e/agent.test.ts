import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { AgentContext, type AgentSettings, type HitMessage } from '../../src/fleet/index.js';
import { NatsLink, STREAM_NAME, ensureStream, parseHostSubject } from '../../src/nats/index.js';
import { docker, dockerHost, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { TestNatsServer } from '../support/nats-server.js';

/**
 * The agent against a real engine and a real nats-server of its own: this lane has the
 * engine (integration:nats has none), and the server helper starts NATS on a free port.
 */
const dir = mkdtempSync(join(tmpdir(), 'lw-agent-'));
const created = new Set<string>();
let server: TestNatsServer;
let observer: NatsLink;
let jsm: JetStreamManager;
let agent: AgentContext | null = null;

const { config } = loadConfig({
  env: {
    LOGWARDEN_DATA_DIR: dir,
    DOCKER_HOST: dockerHost(),
    LOGWARDEN_SCANNER_RATE_PER_SECOND: '10000',
    LOGWARDEN_SCANNER_BURST: '10000',
  },
});

function settings(): AgentSettings {
  return {
    hostId: null,
    name: 'agent-e2e',
    nats: loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } }),
  };
}

async function startAgent(): Promise<AgentContext> {
  const ctx = await AgentContext.fromConfig(config, settings(), {
    logger: pino({ level: process.env.LW_TEST_LOG ?? 'silent' }),
    natsLink: { reconnectWaitMs: 100, connectTimeoutMs: 1_000 },
    publishTimeoutMs: 1_000,
    timings: { outbox: { retryMs: { min: 50, max: 500 } }, snapshotEveryMs: 1_000 },
  });
  await ctx.start();
  agent = ctx;
  return ctx;
}

interface Stored {
  subject: string;
  id: string;
  data: Record<string, unknown>;
}

/** Everything the stream holds (nothing consumes it here, so nothing is gone). */
async function streamMessages(): Promise<Stored[]> {
  const info = await jsm.streams.info(STREAM_NAME);
  const out: Stored[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM_NAME, { seq });
    if (!m) continue;
    out.push({
      subject: m.subject,
      id: m.header.get('Nats-Msg-Id'),
      data: m.json<Record<string, unknown>>(),
    });
  }
  return out;
}

const seqOf = (m: Stored) =>
  Number(/SEQ (\d+)/.exec((m.data as unknown as HitMessage).event.message)?.[1]);
const hitsIn = async (host: string) =>
  (await streamMessages()).filter(
    (m) => m.subject === `logwarden.${host}.hits` && m.data.type === 'hit',
  );

beforeAll(async () => {
  server = await TestNatsServer.start();
  const nats = loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } });
  observer = new NatsLink(nats.config, nats.secrets, {
    name: 'agent-test-observer',
    reconnectWaitMs: 100,
  });
  jsm = await jetstreamManager(await observer.start());
});

afterAll(async () => {
  await agent?.destroy().catch(() => undefined);
  await observer?.close();
  await server?.destroy();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

describe('logwarden agent', () => {
  it('publishes every matching line exactly once through a missing stream, a NATS outage and its own restart', async () => {
    let ctx = await startAgent();
    const host = ctx.identity.hostId;
    const rule = await ctx.parts.rules.service.create({
      name: 'sequence',
      pattern: 'SEQ (?P<n>\\d+)',
      scope: 'global',
      cooldown_seconds: 0,
    });
    const total = 400;
    // Lines 101 on wait for /tmp/go1 and 201 on for /tmp/go2: each phase below begins
    // with lines still to come.
    const id = await runContainer(
      `n=0; while [ $n -lt ${total} ]; do n=$((n+1)); echo "SEQ $n"; ` +
        `[ $n -eq 100 ] && while [ ! -f /tmp/go1 ]; do sleep 0.1; done; ` +
        `[ $n -eq 200 ] && while [ ! -f /tmp/go2 ]; do sleep 0.1; done; ` +
        `[ $((n % 10)) -eq 0 ] && sleep 0.05; done; sleep 3600`,
    );
    created.add(id);
    const tailOf = () => ctx.parts.scanner.tails.stats().tails.find((t) => t.container_id === id);
    const hitCount = async () => (await hitsIn(host)).length;

    // No stream yet (no server replica made it): publishes are refused, the tail holds.
    await eventually(() => tailOf()?.status === 'paused', 60_000, 'the tail to pause');
    await ensureStream(jsm);
    await eventually(async () => (await hitCount()) === 100, 60_000, '100 hits');

    // NATS goes away: the tail stops advancing; back on the same store, it goes on.
    await server.stop();
    await docker('exec', id, 'touch', '/tmp/go1');
    await eventually(() => tailOf()?.status === 'paused', 60_000, 'the tail to pause');
    await server.restart();
    await eventually(async () => (await hitCount()) === 200, 60_000, '200 hits');

    // The agent itself restarts on its data directory: it resumes from its cursors.
    await ctx.destroy();
    agent = null;
    await docker('exec', id, 'touch', '/tmp/go2');
    ctx = await startAgent();
    expect(ctx.identity.hostId).toBe(host);

    await eventually(
      async () => (await hitsIn(host)).some((m) => seqOf(m) === total),
      120_000,
      `SEQ ${total}`,
    );
    const hits = await hitsIn(host);
    // Resumed from the cursors the first agent saved as it stopped: it published none of
    // the lines again (a re-read would show as duplicates of their ids).
    expect(ctx.publisher.counters.duplicates).toBe(0);
    // Exactly once: JetStream took every repeat as a duplicate of its id.
    expect(hits.map(seqOf).sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    expect(new Set(hits.map((m) => m.id)).size).toBe(total);
    for (const m of hits) {
      const message = m.data as unknown as HitMessage;
      expect(parseHostSubject(m.subject)).toEqual({ host, kind: 'hits' });
      expect(message.host).toBe(host);
      expect(message.event.rule_id).toBe(rule.id);
      expect(m.id).toBe(
        `hit:${host}:${id}:${message.line.stream}:${message.line.ts_nanos}:${message.line.tie}:${rule.id}`,
      );
    }

    // The inventory and the status are there too, under the same host.
    const all = await streamMessages();
    const inventory = all.filter((m) => m.subject === `logwarden.${host}.inventory`);
    expect(
      inventory.some(
        (m) =>
          m.data.type === 'snapshot' &&
          (m.data.containers as { id: string }[]).some((c) => c.id === id),
      ),
    ).toBe(true);
    const status = all.filter((m) => m.subject === `logwarden.${host}.status`);
    expect(status.at(-1)?.data).toMatchObject({
      type: 'status',
      name: 'agent-e2e',
      rule_revision: null,
      docker: { engine_id: ctx.identity.engineId, reachable: true },
    });
  }, 300_000);
});
