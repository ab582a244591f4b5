import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/test-docker.sh', import.meta.url));

/**
 * Vitest global setup: makes a real Docker engine available to every test file as
 * DOCKER_HOST. Reuses a reachable engine; otherwise starts the throwaway dockerd of
 * scripts/test-docker.sh and stops it at the end. No engine means a failed run, never a
 * silently skipped one.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // An engine that was already up before this run (a developer's, or a kept throwaway
  // one) is left running afterwards.
  const alreadyUp = await run('bash', [script, 'env']).then(
    () => true,
    () => false,
  );
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [script, 'start'], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 15 * 60 * 1000,
    }));
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `No Docker engine for the real-engine tests: scripts/test-docker.sh start failed.\n${e.stderr ?? e.message}`,
    );
  }
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('DOCKER_HOST='));
  if (!line)
    throw new Error(`scripts/test-docker.sh start printed no DOCKER_HOST line:\n${stdout}`);
  process.env.DOCKER_HOST = line.slice('DOCKER_HOST='.length);
  return async () => {
    if (!alreadyUp && !process.env.LOGWARDEN_TEST_KEEP_DOCKER) await run('bash', [script, 'stop']);
  };
}
