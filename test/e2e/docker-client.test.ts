import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient, type DockerEvent, type LogLine } from '../../src/docker/index.js';
import { isAppError } from '../../src/errors.js';
import {
  docker,
  removeContainers,
  runContainer,
  testClient,
  uniqueName,
  waitExit,
} from '../support/docker-cli.js';

async function collect(stream: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  for await (const line of stream) lines.push(line);
  return lines;
}

const created = new Set<string>();
let client: DockerClient;

async function start(script: string, options: Parameters<typeof runContainer>[1] = {}) {
  const id = await runContainer(script, options);
  created.add(id);
  return id;
}

async function finishedLogs(script: string, options: Parameters<typeof runContainer>[1] = {}) {
  const id = await start(script, options);
  await waitExit(id);
  return { id, lines: await collect(await client.logs(id, { tty: options.tty ?? false })) };
}

beforeAll(() => {
  client = testClient();
});

afterAll(async () => {
  await removeContainers(created);
  await client.close();
});

describe('Docker client against a real engine', () => {
  it('negotiates the API version and answers ping', async () => {
    await client.ping();
    const info = await client.version();
    expect(info.ApiVersion).toMatch(/^1\.\d+$/);
    expect(client.negotiatedApiVersion).toMatch(/^1\.\d+$/);
  });

  it('names the engine: its id, name and version (/info)', async () => {
    const info = await client.info();
    expect(info.ID).toMatch(/\S/);
    expect(info.Name).toMatch(/\S/);
    expect(info.ServerVersion).toBe((await client.version()).Version);
  });

  it('lists and inspects a labelled container', async () => {
    const name = uniqueName('labelled');
    const id = await start('sleep 30', { name, labels: { 'logwarden.workload': 'w1' } });
    const list = await client.listContainers({ all: true });
    const summary = list.find((c) => c.Id === id);
    expect(summary?.Names).toContain(`/${name}`);
    expect(summary?.Labels?.['logwarden.workload']).toBe('w1');
    expect(summary?.State).toBe('running');
    const inspect = await client.inspectContainer(id);
    expect(inspect.Name).toBe(`/${name}`);
    expect(inspect.Config.Labels?.['logwarden.workload']).toBe('w1');
    expect(inspect.Config.Tty).toBe(false);
    expect(inspect.State.Running).toBe(true);
  });

  it('reports an unknown container as DOCKER_CONTAINER_NOT_FOUND', async () => {
    const err = await client.inspectContainer('no-such-container-xyz').catch((e: unknown) => e);
    expect(isAppError(err, 'DOCKER_CONTAINER_NOT_FOUND')).toBe(true);
    const logsErr = await client.logs('no-such-container-xyz').catch((e: unknown) => e);
    expect(isAppError(logsErr, 'DOCKER_CONTAINER_NOT_FOUND')).toBe(true);
  });

  it('delivers start and die events for a container', async () => {
    const controller = new AbortController();
    const since = BigInt(Date.now() - 1000) * 1_000_000n;
    const events = await client.events({
      sinceNanos: since,
      filters: { type: ['container'] },
      signal: controller.signal,
    });
    const id = await start('echo hello; exit 3', { labels: { probe: 'events' } });
    const seen: DockerEvent[] = [];
    try {
      for await (const event of events) {
        if (event.Actor.ID !== id) continue;
        seen.push(event);
        if (event.Action === 'die') break;
      }
    } finally {
      controller.abort();
      events.destroy();
    }
    const actions = seen.map((e) => e.Action);
    expect(actions).toContain('start');
    expect(actions.at(-1)).toBe('die');
    const die = seen.at(-1)!;
    expect(die.Actor.Attributes.exitCode).toBe('3');
    expect(die.Actor.Attributes.probe).toBe('events');
    expect(typeof die.timeNano).toBe('number');
  });

  it('returns stdout and stderr lines with their stream and timestamp', async () => {
    const { lines } = await finishedLogs('echo out-1; echo err-1 >&2; echo out-2');
    const stdout = lines.filter((l) => l.stream === 'stdout').map((l) => l.text);
    const stderr = lines.filter((l) => l.stream === 'stderr').map((l) => l.text);
    expect(stdout).toEqual(['out-1', 'out-2']);
    expect(stderr).toEqual(['err-1']);
    for (const line of lines) {
      expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(line.timeNanos).toBeGreaterThan(BigInt(Date.now() - 3_600_000) * 1_000_000n);
      expect(line.truncated).toBe(false);
    }
  });

  it('joins a 100 KiB line from its 16 KiB pieces, with no timestamp inside', async () => {
    const { lines } = await finishedLogs("head -c 102400 /dev/zero | tr '\\0' a; echo; echo after");
    expect(lines.map((l) => l.bytes.length)).toEqual([102400, 5]);
    expect(lines[0]!.text).toBe('a'.repeat(102400));
    expect(lines[0]!.truncated).toBe(false);
    expect(lines[1]!.text).toBe('after');
  });

  it('cuts a 2 MiB line at 1 MiB and marks it truncated', async () => {
    const { lines } = await finishedLogs("head -c 2097152 /dev/zero | tr '\\0' b; echo; echo next");
    expect(lines).toHaveLength(2);
    expect(lines[0]!.bytes.length).toBe(1024 * 1024);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[0]!.text).toBe('b'.repeat(1024 * 1024));
    expect(lines[1]).toMatchObject({ text: 'next', truncated: false });
  });

  it('decodes invalid UTF-8 with replacement characters', async () => {
    const { lines } = await finishedLogs("printf 'bad \\377\\376 end\\n'");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text).toBe('bad \uFFFD\uFFFD end');
  });

  it('reads a TTY container raw and removes carriage returns', async () => {
    const { id, lines } = await finishedLogs('echo one; echo two', { tty: true });
    expect((await client.inspectContainer(id)).Config.Tty).toBe(true);
    expect(lines.map((l) => l.text)).toEqual(['one', 'two']);
    expect(lines.every((l) => l.stream === 'stdout' && l.timestamp !== null)).toBe(true);
  });

  it('sniffs a TTY stream when the caller does not know', async () => {
    const id = await start('echo sniffed', { tty: true });
    await waitExit(id);
    const lines = await collect(await client.logs(id));
    expect(lines.map((l) => l.text)).toEqual(['sniffed']);
  });

  it('reports a log driver that cannot be read as DOCKER_LOGS_UNAVAILABLE', async () => {
    const id = await start('echo invisible', { logDriver: 'none' });
    await waitExit(id);
    const err = await client.logs(id).catch((e: unknown) => e);
    expect(isAppError(err, 'DOCKER_LOGS_UNAVAILABLE')).toBe(true);
  });

  it('resumes after the last line seen with a nanosecond since', async () => {
    const { id, lines } = await finishedLogs('for i in 1 2 3 4 5 6; do echo line-$i; done');
    expect(lines.map((l) => l.text)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `line-${i}`));
    const cursor = lines[2]!.timeNanos!;
    const resumed = await collect(await client.logs(id, { sinceNanos: cursor + 1n }));
    // Lines sharing the cursor's exact nanosecond would be lost by +1; Docker's
    // timestamps for distinct writes differ, so the rest must come back exactly.
    expect(resumed.map((l) => l.text)).toEqual(lines.slice(3).map((l) => l.text));
  });

  it('follows a running container live until it stops', async () => {
    const id = await start('for i in 1 2 3; do echo tick-$i; sleep 0.2; done');
    const lines = await collect(await client.logs(id, { follow: true }));
    expect(lines.map((l) => l.text)).toEqual(['tick-1', 'tick-2', 'tick-3']);
    expect(await docker('inspect', '-f', '{{.State.Status}}', id)).toBe('exited');
  });

  it('honours tail', async () => {
    const { id } = await finishedLogs('echo a; echo b; echo c');
    const lines = await collect(await client.logs(id, { tail: 1 }));
    expect(lines.map((l) => l.text)).toEqual(['c']);
  });

  it('reports an engine that is not there as DOCKER_UNAVAILABLE', async () => {
    const absent = new DockerClient({ host: 'unix:///tmp/logwarden-no-such-docker.sock' });
    try {
      const err = await absent.ping().catch((e: unknown) => e);
      expect(isAppError(err, 'DOCKER_UNAVAILABLE')).toBe(true);
    } finally {
      await absent.close();
    }
  });
});
