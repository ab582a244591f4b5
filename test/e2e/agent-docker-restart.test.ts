import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { NatsLink, ensureStream } from '../../src/nats/index.js';
import { runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { startExtraEngine, type ExtraEngine } from '../support/extra-engine.js';
import { spawnLogwarden, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { TestNatsServer } from '../support/nats-server.js';
import { streamMessages } from '../support/stream-messages.js';

/**
 * A real `logwarden agent` whose Docker engine restarts under it (an engine of this
 * file's own, so the shared one is not disturbed): the agent stays up, says in its
 * status that Docker is unreachable, and once the engine is back follows it again
 * without being restarted; each event reaches the stream once.
 */
const HOST = 'restarty';
const dir = mkdtempSync(join(tmpdir(), 'lw-agent-docker-'));
let engine: ExtraEngine;
let server: TestNatsServer;
let observer: NatsLink;
let jsm: JetStreamManager;
let agent: LogwardenProcess | null = null;

interface Status {
  n: number;
  docker: { reachable: boolean };
}
interface EventBody {
  event?: { container_id?: string | null; message?: string };
}

const statuses = () => streamMessages<Status>(jsm, `logwarden.${HOST}.status`);
const events = () => streamMessages<EventBody>(jsm, `logwarden.${HOST}.events`);
const eventsOf = async (container: string) =>
  (await events()).filter((m) => m.data.event?.container_id === container);

beforeAll(async () => {
  engine = await startExtraEngine('agent-restart');
  server = await TestNatsServer.start();
  const nats = loadConfig({ env: { LOGWARDEN_NATS_URL: server.url } });
  observer = new NatsLink(nats.config, nats.secrets, { name: 'agent-docker-observer' });
  jsm = await jetstreamManager(await observer.start());
  await ensureStream(jsm);
  agent = spawnLogwarden(['agent'], {
    DOCKER_HOST: engine.host,
    LOGWARDEN_DATA_DIR: dir,
    LOGWARDEN_NATS_URL: server.url,
    LOGWARDEN_AGENT_HOST_ID: HOST,
  });
}, 180_000);

afterAll(async () => {
  if (agent) await stopServed(agent, 'SIGKILL');
  await observer?.close();
  await server?.destroy();
  await engine?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('logwarden agent across a restart of its Docker engine', () => {
  it('stays up, says Docker is unreachable, and follows the engine again once it is back', async () => {
    const crash = (label: string) =>
      // Running for a moment: a container already gone when first listed is no crash.
      runContainer(`echo ${label}; sleep 2; exit 3`, {
        engine: engine.host,
        name: `lw-${label}`,
      });
    await eventually(async () => (await statuses()).length > 0, 60_000, 'the agent reporting');
    const before = await crash(`before-${Date.now().toString(36)}`);
    await eventually(async () => (await eventsOf(before)).length > 0, 60_000, 'the first crash');

    await engine.kill();
    await eventually(
      async () => (await statuses()).some((s) => !s.data.docker.reachable),
      60_000,
      'a status saying Docker is unreachable',
    );
    expect(agent!.child.exitCode).toBeNull();

    await engine.restart();
    await eventually(
      async () => (await statuses()).at(-1)?.data.docker.reachable === true,
      60_000,
      'a status saying Docker is back',
    );
    const after = await crash(`after-${Date.now().toString(36)}`);
    await eventually(
      async () => (await eventsOf(after)).length > 0,
      90_000,
      'the crash after the restart',
    );
    expect(agent!.child.exitCode).toBeNull();

    // Each event once: the reconnect did not publish the first crash again.
    const all = await events();
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
    expect((await eventsOf(before)).map((m) => m.data.event?.message)).toEqual([
      expect.stringMatching(/exited with code 3/),
    ]);
  }, 300_000);
});
