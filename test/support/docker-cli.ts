import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { DockerClient } from '../../src/docker/index.js';

const run = promisify(execFile);

/** The image scripts/test-docker.sh imports from Debian's busybox-static. */
export const TEST_IMAGE = 'logwarden-test/busybox:latest';

export function dockerHost(): string {
  const host = process.env.DOCKER_HOST;
  if (!host) throw new Error('DOCKER_HOST is not set: the vitest global setup did not run');
  return host;
}

/** Runs the docker CLI against the test engine; returns trimmed stdout. */
export async function docker(...args: string[]): Promise<string> {
  return dockerAt(dockerHost(), ...args);
}

/** Runs the docker CLI against a given engine. */
export async function dockerAt(host: string, ...args: string[]): Promise<string> {
  return (await dockerOutput(host, ...args)).stdout.trim();
}

/** Both outputs, untrimmed (`docker logs` writes the container's stderr to its own). */
export async function dockerOutput(host: string, ...args: string[]) {
  return run('docker', args, {
    env: { ...process.env, DOCKER_HOST: host },
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function uniqueName(prefix = 'lw'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface RunOptions {
  name?: string;
  /** DOCKER_HOST of another engine (test/support/extra-engine.ts); the lane's own if unset. */
  engine?: string;
  labels?: Record<string, string>;
  tty?: boolean;
  detach?: boolean;
  logDriver?: string;
  extra?: string[];
}

/** Starts a busybox container with no network running `sh -c script`; returns its id. */
export async function runContainer(script: string, options: RunOptions = {}): Promise<string> {
  const args = ['run', '-d', '--network', 'none', '--name', options.name ?? uniqueName()];
  for (const [k, v] of Object.entries(options.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (options.tty) args.push('-t');
  if (options.logDriver) args.push('--log-driver', options.logDriver);
  args.push(...(options.extra ?? []), TEST_IMAGE, 'sh', '-c', script);
  return dockerAt(options.engine ?? dockerHost(), ...args);
}

export async function waitExit(id: string): Promise<number> {
  return Number(await docker('wait', id));
}

export async function removeContainers(ids: Iterable<string>): Promise<void> {
  const list = [...ids];
  if (list.length > 0) await docker('rm', '-f', ...list).catch(() => undefined);
}

export function testClient(): DockerClient {
  return new DockerClient({ host: dockerHost() });
}

/**
 * Adds a line to a running container's log: written to its PID 1's stdout or stderr,
 * which is what Docker records (a `docker exec`'s own output is not).
 */
export async function printInContainer(
  id: string,
  line: string,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<void> {
  const fd = stream === 'stdout' ? 1 : 2;
  await docker('exec', id, 'sh', '-c', `printf '%s\\n' "$1" > /proc/1/fd/${fd}`, 'sh', line);
}
