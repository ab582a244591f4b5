import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pidsWhere } from './proc-stat.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/test-docker.sh', import.meta.url));

/** The throwaway Docker engine the bench measures against, as the tests start it. */
export interface Engine {
  host: string;
  /** Its working directory (socket, data and exec roots). */
  dir: string;
  /** Stops it, unless it was running before the bench. */
  stop(): Promise<void>;
  docker(...args: string[]): Promise<string>;
  /** dockerd alone. */
  dockerdPid(): number;
  /** dockerd, its containerd and the containers' shims: the whole engine's CPU. */
  enginePids(): number[];
}

export async function startEngine(dir: string): Promise<Engine> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOGWARDEN_TEST_DOCKER_DIR: dir };
  delete env.DOCKER_HOST;
  const wasUp = await run('bash', [script, 'env'], { env }).then(
    () => true,
    () => false,
  );
  const { stdout } = await run('bash', [script, 'start'], {
    env,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60 * 1000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('DOCKER_HOST='));
  if (!line) throw new Error(`test-docker.sh start printed no DOCKER_HOST:\n${stdout}`);
  const host = line.slice('DOCKER_HOST='.length).trim();
  const pidfile = `${dir}/dockerd.pid`;
  if (!existsSync(pidfile))
    throw new Error(
      `${pidfile} missing: the bench needs its own engine (dockerd's CPU is measured)`,
    );
  const dockerdPid = Number(readFileSync(pidfile, 'utf8').trim());
  const docker = async (...args: string[]) =>
    (
      await run('docker', args, {
        env: { ...process.env, DOCKER_HOST: host },
        maxBuffer: 256 * 1024 * 1024,
      })
    ).stdout.trim();
  return {
    host,
    dir,
    docker,
    dockerdPid: () => dockerdPid,
    enginePids: () => [
      dockerdPid,
      ...pidsWhere('containerd', `${dir}/exec/containerd/containerd.toml`),
      ...pidsWhere('containerd-shim', `${dir}/exec/containerd/`),
    ],
    async stop() {
      if (!wasUp) await run('bash', [script, 'stop'], { env });
    },
  };
}
