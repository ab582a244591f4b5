import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { NatsLink, STREAM_NAME, ensureStream } from '../../src/nats/index.js';
import { dockerHost, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { spawnLogwarden, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { TestNatsServer } from '../support/nats-server.js';
import { streamMessages } from '../support/stream-messages.js';

/**
 * kill -9 of a real `logwarden agent` process while its outbox holds events NATS has
 * not acknowledged, and again as it drains them: every event reaches the stream once.
 */
const HOST = 'crashy';
const dir = mkdtempSync(join(tmpdir(), 'lw-agent-crash-'));
const created = new Set<string>();
let server: TestNatsServer;
let observer: NatsLink;
let jsm: JetStreamManager;
let agent: LogwardenProcess | null = null;

function startAgent(): LogwardenProcess {
  agent = spawnLogwarden(['agent'], {
    DOCKER_HOST: dockerHost(),
    LOGWARDEN_DATA_DIR: dir,
    LOGWARDEN_NATS_URL: server.url,
    LOGWARDEN_AGENT_HOST_ID: HOST,
  });
  return agent;
}

/** Events waiting in the agent's outbox, read from its SQLite file beside it. */
function outboxRows(): number {
  const db = new Sqlite(join(dir, 'logwarden.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from agent_outbox').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The events in the stream of this test's containers, by container: id and message of each. */
async function streamEvents(): Promise<Map<string, { id: string; message: string }[]>> {
  type Body = { event?: { container_id?: string | null; message?: string } };
  const byContainer = new Map<string, { id: string; message: string }[]>();
  for (const m of await streamMessages<Body>(jsm, `logwarden.${HOST}.events`)) {
    const container = m.data.event?.container_id;
    if (!container || !created.has(container)) continue;
    const list = byContainer.get(container) ?? [];
    list.push({ id: m.id, message: m.data.event?.message ?? '' });
    byContainer.set(container, list);
  }
  return byContainer;
}

beforeAll(async () => {
  server = await TestNatsServer.start();
  const nats = loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } });
  observer = new NatsLink(nats.config, nats.secrets, { name: 'agent-crash-observer' });
  jsm = await jetstreamManager(await observer.start());
  await ensureStream(jsm);
}, 60_000);

afterAll(async () => {
  if (agent) await stopServed(agent, 'SIGKILL');
  await observer?.close();
  await server?.destroy();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('logwarden agent killed with SIGKILL', () => {
  it('publishes each outbox event once across kill -9 with NATS down and kill -9 mid-drain', async () => {
    startAgent();
    await eventually(
      async () =>
        (await jsm.streams
          .getMessage(STREAM_NAME, { last_by_subj: `logwarden.${HOST}.status` })
          .catch(() => null)) ?? undefined,
      60_000,
      'the agent publishing its status',
    );

    // NATS away: containers crash; their events wait in the agent's outbox.
    await server.stop();
    for (let i = 0; i < 4; i++) created.add(await runContainer('echo bye; exit 3'));
    const pending = await eventually(
      () => {
        const n = outboxRows();
        return n >= 4 ? n : undefined;
      },
      60_000,
      'the crashes in the outbox',
    );
    await stopServed(agent!, 'SIGKILL');

    // Back up with NATS: the drain begins, and the agent dies again as soon as the
    // first of the crashes is in the stream.
    await server.restart();
    startAgent();
    await eventually(async () => (await streamEvents()).size > 0, 60_000, 'the drain to begin');
    await stopServed(agent!, 'SIGKILL');
    startAgent();

    await eventually(() => outboxRows() === 0, 60_000, 'the outbox drained');
    const events = await streamEvents();
    expect([...events.keys()].sort()).toEqual([...created].sort());
    const all = [...events.entries()].flatMap(([c, list]) => list.map((e) => ({ c, ...e })));
    // Each event of each container once, under one id: none published twice (a restart
    // recording it again would show as a second message), none lost from the outbox.
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(new Set(all.map((e) => `${e.c} ${e.message}`)).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(pending);
  }, 300_000);
});
