import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import {
  docker,
  dockerHost,
  dockerOutput,
  removeContainers,
  runContainer,
  uniqueName,
} from '../support/docker-cli.js';
import { DockerClient } from '../../src/docker/index.js';
import { eventually } from '../support/eventually.js';
import { firstAdminToken } from '../support/logwarden-process.js';

/**
 * The container image as a self-hoster runs it, on the real throwaway engine: built by
 * scripts/build-image.sh (the base images made offline once and then reused, the deps
 * stage cached), started read-only as its non-root user with a /data volume, watching
 * the engine through its socket, then through a GET-only socket proxy (Debian's haproxy
 * with the tecnativa rules), then from compose.yaml.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMAGE = 'logwarden-test/app:e2e';
const PROXY_CONFIG = fileURLToPath(new URL('./image/socket-proxy.haproxy.cfg', import.meta.url));
const BUILD_TIMEOUT_MS = 45 * 60_000;

const containers = new Set<string>();
const volumes = new Set<string>();
const children: ChildProcess[] = [];

function socketPath(): string {
  const host = dockerHost();
  if (!host.startsWith('unix://'))
    throw new Error(
      `the image test mounts the engine's socket: DOCKER_HOST must be unix://, got ${host}`,
    );
  return host.slice('unix://'.length);
}

function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

interface Started {
  name: string;
  url: string;
  /** From `docker run` to the first /readyz 200. */
  coldStartMs: number;
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
}

async function waitReady(url: string, what: string): Promise<void> {
  await eventually(async () => (await readyz(url)) === 200, 90_000, `${what} /readyz 200`);
}

/**
 * `docker run` of the image the way docs/deploy.md says: read-only root, a named volume
 * at /data, the image's own user. The host network because the throwaway engine has no
 * bridge; the listen address moves off 8080 so parallel runs do not collide.
 */
async function runImage(dockerArgs: string[]): Promise<Started> {
  const name = uniqueName('lw-image');
  const port = await freePort();
  const volume = `${name}-data`;
  volumes.add(volume);
  const started = Date.now();
  containers.add(
    await docker(
      'run',
      '-d',
      '--name',
      name,
      '--read-only',
      '--network',
      'host',
      '-v',
      `${volume}:/data`,
      '-e',
      `LOGWARDEN_LISTEN=127.0.0.1:${port}`,
      // Every hit counts here: the per-container rate limit is lifted, as in serveFresh.
      '-e',
      'LOGWARDEN_SCANNER_RATE_PER_SECOND=100000',
      '-e',
      'LOGWARDEN_SCANNER_BURST=100000',
      ...dockerArgs,
      IMAGE,
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, name);
  return { name, url, coldStartMs: Date.now() - started };
}

const numbersIn = (messages: string[]) =>
  messages.map((m) => /SEQ (\d+)/.exec(m)?.[1]).filter((n): n is string => n !== undefined);

/**
 * What every way of running the image must do: a rule hit becomes an event, the
 * HEALTHCHECK turns healthy, `docker stop` ends gracefully (exit 0) well inside Docker's
 * 10 s, and the next start resumes from the cursors: every line Docker holds recorded
 * exactly once.
 */
async function watchesStopsAndResumes(started: Started): Promise<{ stopMs: number }> {
  const { name, url } = started;
  const inspect = JSON.parse(await docker('inspect', name))[0];
  expect(inspect.Config.User).toBe('10001:10001');
  expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
  expect(await docker('exec', name, 'id', '-u')).toBe('10001');

  const setupToken = await docker('exec', name, 'cat', '/data/setup-token');
  const api = apiClient(url, await firstAdminToken(url, setupToken));
  const rule = await api.post<{ id: number }>('/api/rules', {
    name: 'sequence',
    pattern: 'SEQ (?P<n>\\d+)',
    scope: 'global',
    cooldown_seconds: 0,
  });

  const health = () => docker('inspect', '-f', '{{.State.Health.Status}}', name);
  await eventually(async () => (await health()) === 'healthy', 120_000, `${name} healthy`);

  // Numbered lines, 10 every 0.3 s: they keep coming while Logwarden is stopped.
  const writer = await runContainer(
    'n=0; while [ $n -lt 400 ]; do n=$((n+1)); echo "SEQ $n"; [ $((n % 10)) -eq 0 ] && sleep 0.3; done; sleep 3600',
  );
  containers.add(writer);
  const count = async () => (await api.allEvents(`rule=${rule.id}`)).length;
  await eventually(async () => (await count()) >= 50, 60_000, 'the first hits as events');
  expect(new Set((await api.allEvents(`rule=${rule.id}`)).map((e) => e.source))).toEqual(
    new Set(['logscan']),
  );

  const stopStarted = Date.now();
  await docker('stop', name);
  const stopMs = Date.now() - stopStarted;
  const state = JSON.parse(await docker('inspect', name))[0].State;
  expect({ exitCode: state.ExitCode, oomKilled: state.OOMKilled }).toEqual({
    exitCode: 0,
    oomKilled: false,
  });
  expect(stopMs).toBeLessThan(10_000);
  expect((await dockerOutput(dockerHost(), 'logs', name)).stdout).toMatch(/"msg":"stopping"/);

  await new Promise((r) => setTimeout(r, 1000)); // lines written while it is down
  await docker('start', name);
  await waitReady(url, `${name} again`);

  await eventually(
    async () => (await docker('logs', writer)).includes('SEQ 400'),
    120_000,
    'the writer to finish',
  );
  const expected = numbersIn((await docker('logs', writer)).split('\n')).sort();
  await eventually(async () => (await count()) >= expected.length, 60_000).catch(() => undefined);
  const seen = numbersIn((await api.allEvents(`rule=${rule.id}`)).map((e) => e.message)).sort();
  expect(seen).toEqual(expected);
  return { stopMs };
}

/** Debian's haproxy with the tecnativa rules, on a local port, bounded to 15 minutes. */
async function startSocketProxy(
  sections: Record<string, '0' | '1'> = {},
): Promise<{ host: string; log: () => string }> {
  const port = await freePort();
  let log = '';
  const child = spawn('timeout', ['900', 'haproxy', '-db', '-f', PROXY_CONFIG], {
    env: {
      ...process.env,
      ...{ PING: '1', VERSION: '1', CONTAINERS: '1', EVENTS: '1', INFO: '1', POST: '0' },
      ...sections,
      SOCKET_PATH: socketPath(),
      PROXY_BIND: `127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  await eventually(
    async () => (await fetch(`http://127.0.0.1:${port}/_ping`)).status === 200,
    15_000,
    'the socket proxy',
  );
  return { host: `tcp://127.0.0.1:${port}`, log: () => log };
}

beforeAll(async () => {
  const build = await run('nice', ['-n', '10', 'bash', 'scripts/build-image.sh', IMAGE], {
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (build.code !== 0)
    throw new Error(`scripts/build-image.sh failed (${build.code}):\n${build.stderr.slice(-4000)}`);
  const size = Number(await docker('image', 'inspect', '-f', '{{.Size}}', IMAGE));
  console.log(`image ${IMAGE}: ${(size / 1e6).toFixed(0)} MB`);
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  // SIGTERM, which `timeout` passes on to haproxy (a SIGKILL would orphan it).
  for (const child of children) child.kill('SIGTERM');
  await removeContainers(containers);
  if (volumes.size > 0) await docker('volume', 'rm', '-f', ...volumes).catch(() => undefined);
  // The image stays: the next build reuses its unchanged layers and replaces the tag
  // (scripts/build-image.sh removes what that leaves dangling).
}, 120_000);

describe('the container image', () => {
  it('carries the OCI labels and runs as 10001:10001 with /data as its volume', async () => {
    const config = JSON.parse(await docker('image', 'inspect', IMAGE))[0].Config;
    expect(config.User).toBe('10001:10001');
    expect(Object.keys(config.Volumes)).toEqual(['/data']);
    expect(Object.keys(config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(config.Env).toContain('LOGWARDEN_LISTEN=0.0.0.0:8080');
    expect(config.Healthcheck.Test).toEqual(['CMD', 'node', '/app/dist/main.js', 'healthcheck']);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(config.Labels).toHaveProperty(['org.opencontainers.image.source']);
  });

  it('watches the engine through the socket, read-only and non-root, and stops gracefully', async () => {
    const gid = statSync(socketPath()).gid;
    const started = await runImage([
      '-v',
      `${socketPath()}:/var/run/docker.sock:ro`,
      '--group-add',
      String(gid),
    ]);
    console.log(`cold start (docker run → /readyz 200): ${started.coldStartMs} ms`);
    const { stopMs } = await watchesStopsAndResumes(started);
    console.log(`docker stop: ${stopMs} ms`);
  }, 600_000);

  it('works fully through a GET-only socket proxy, which refuses nothing it asks', async () => {
    const proxy = await startSocketProxy();
    const started = await runImage(['-e', `DOCKER_HOST=${proxy.host}`]);
    await watchesStopsAndResumes(started);
    const requests = proxy
      .log()
      .split('\n')
      .filter((l) => /"(GET|HEAD|POST|PUT|DELETE) /.test(l));
    // Logwarden's reads went through it...
    expect(requests.some((l) => / 200 .*"GET \/v[\d.]+\/containers\/json/.test(l))).toBe(true);
    expect(requests.some((l) => /"GET \/v[\d.]+\/events/.test(l))).toBe(true);
    expect(requests.some((l) => /"GET \/v[\d.]+\/containers\/\w+\/logs/.test(l))).toBe(true);
    // ...and it never needed anything the proxy refuses.
    expect(requests.filter((l) => / 403 /.test(l) || /"(POST|PUT|DELETE) /.test(l))).toEqual([]);
  }, 600_000);

  it('names the call a proxy refuses', async () => {
    const proxy = await startSocketProxy({ CONTAINERS: '0' });
    const client = new DockerClient({ host: proxy.host });
    try {
      await client.ping();
      const err = await client.listContainers().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DOCKER_API_ERROR', details: { status: 403 } });
      expect((err as Error).message).toMatch(
        /^docker API refused GET \/v[\d.]+\/containers\/json \(403: 403 Forbidden Request forbidden by administrative rules\.\); a socket proxy/,
      );
    } finally {
      await client.close();
    }
  });

  it('comes up healthy from compose.yaml', async () => {
    const project = uniqueName('lwcompose');
    const port = await freePort();
    const env = {
      DOCKER_HOST: dockerHost(),
      DOCKER_GID: String(statSync(socketPath()).gid),
      DOCKER_SOCKET: socketPath(),
      LOGWARDEN_IMAGE: IMAGE,
      LOGWARDEN_PORT: String(port),
    };
    const compose = (...args: string[]) =>
      run('docker-compose', ['-p', project, '-f', 'compose.yaml', ...args], {
        env,
        timeoutMs: 180_000,
      });
    const config = await compose('config', '-q');
    expect(config.code, config.stderr).toBe(0);
    const proxyConfig = await run(
      'docker-compose',
      ['-f', 'compose.socket-proxy.yaml', 'config', '-q'],
      { env, timeoutMs: 60_000 },
    );
    expect(proxyConfig.code, proxyConfig.stderr).toBe(0);
    try {
      const up = await compose('up', '-d', '--no-build');
      expect(up.code, up.stderr).toBe(0);
      const id = await docker(
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
      );
      expect(id).not.toBe('');
      const inspect = JSON.parse(await docker('inspect', id))[0];
      expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
      expect(inspect.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
      await eventually(
        async () => (await docker('inspect', '-f', '{{.State.Health.Status}}', id)) === 'healthy',
        120_000,
        'the compose service healthy',
      );
      expect(await readyz(`http://127.0.0.1:${port}`)).toBe(200);
    } finally {
      await compose('down', '-v', '--timeout', '10');
    }
  }, 600_000);
});
