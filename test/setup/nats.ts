import { execFileSync } from 'node:child_process';
import { NATS_SERVER_BIN } from '../support/nats-server.js';

/**
 * Vitest global setup of the lane whose tests start their own NATS servers: fails the
 * run at once, saying what is missing, rather than letting every test time out.
 */
export default function setup(): void {
  try {
    execFileSync(NATS_SERVER_BIN, ['--version'], { stdio: 'pipe', timeout: 10_000 });
  } catch (err) {
    throw new Error(
      `No nats-server for the NATS tests (${NATS_SERVER_BIN}): ${(err as Error).message} (Debian: apt-get install nats-server, or set LOGWARDEN_TEST_NATS_SERVER)`,
    );
  }
}
