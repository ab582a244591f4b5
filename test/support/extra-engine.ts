import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/test-docker.sh', import.meta.url));

/**
 * One more throwaway Docker engine, beside the lane's own (test/setup/docker-engine.ts):
 * its own socket and data root, for tests of several hosts. Same recipe
 * (scripts/test-docker.sh), a directory of its own; never an engine that was running.
 */
export interface ExtraEngine {
  /** DOCKER_HOST for it: unix://…/docker.sock */
  host: string;
  stop(): Promise<void>;
}

export async function startExtraEngine(name: string): Promise<ExtraEngine> {
  const dir = `/tmp/lwd-extra-${name}-${process.pid}`;
  const env: NodeJS.ProcessEnv = { ...process.env, LOGWARDEN_TEST_DOCKER_DIR: dir };
  // Else the script would hand back the engine DOCKER_HOST names instead of starting one.
  delete env.DOCKER_HOST;
  const { stdout } = await run('bash', [script, 'start'], { env, timeout: 120_000 });
  const host = /^DOCKER_HOST=(.+)$/m.exec(stdout)?.[1];
  if (!host?.includes(dir)) throw new Error(`${script} start gave no engine of its own: ${stdout}`);
  return {
    host,
    stop: async () => {
      await run('bash', [script, 'stop'], { env, timeout: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
