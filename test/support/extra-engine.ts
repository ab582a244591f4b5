import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { eventually } from './eventually.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/test-docker.sh', import.meta.url));

/**
 * One more throwaway Docker engine, beside the lane's own (test/setup/docker-engine.ts):
 * its own socket and data root, for tests of several hosts or of an engine restart
 * (which must not disturb the engine the other files share). Same recipe
 * (scripts/test-docker.sh), a directory of its own; never an engine that was running.
 */
export interface ExtraEngine {
  /** DOCKER_HOST for it: unix://…/docker.sock */
  host: string;
  /** Stops dockerd with SIGTERM, as a daemon restart or upgrade does; its data stays. */
  kill(): Promise<void>;
  /** Starts dockerd again on the same data. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  stop(): Promise<void>;
}

export async function startExtraEngine(name: string): Promise<ExtraEngine> {
  const dir = `/tmp/lwd-extra-${name}-${process.pid}`;
  const env: NodeJS.ProcessEnv = { ...process.env, LOGWARDEN_TEST_DOCKER_DIR: dir };
  // Else the script would hand back the engine DOCKER_HOST names instead of starting one.
  delete env.DOCKER_HOST;
  const start = async () => {
    const { stdout } = await run('bash', [script, 'start'], { env, timeout: 120_000 });
    const host = /^DOCKER_HOST=(.+)$/m.exec(stdout)?.[1];
    if (!host?.includes(dir))
      throw new Error(`${script} start gave no engine of its own: ${stdout}`);
    return host;
  };
  const host = await start();
  return {
    host,
    kill: async () => {
      const pid = Number(readFileSync(`${dir}/dockerd.pid`, 'utf8'));
      process.kill(pid, 'SIGTERM');
      await eventually(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        60_000,
        'dockerd to exit',
      );
    },
    restart: async () => {
      await start();
    },
    stop: async () => {
      await run('bash', [script, 'stop'], { env, timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
