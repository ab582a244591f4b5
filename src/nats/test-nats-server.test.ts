import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { eventually } from '../../test/support/eventually.js';
// Imported for its lane (vitest.config.ts): this tests the lane's own helper, which has
// no lane of its own under test/support.
import { NATS_SERVER_BIN } from '../../test/support/nats-server.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('TestNatsServer', () => {
  it('does not outlive the process that started it when no test stopped it', async () => {
    // A test file whose afterAll never ran (a failed beforeAll, a process.exit): the
    // server it started must not stay behind holding a port and a store.
    const script = [
      "import { TestNatsServer } from './test/support/nats-server.ts';",
      'const server = await TestNatsServer.start();',
      'console.log(JSON.stringify({ port: server.port, pid: server["child"].pid }));',
      'process.exit(0);',
    ].join('\n');
    const { stdout } = await promisify(execFile)(
      'node_modules/.bin/tsx',
      ['--input-type=module', '-e', script],
      { env: { ...process.env, LOGWARDEN_TEST_NATS_SERVER: NATS_SERVER_BIN }, timeout: 30_000 },
    );
    const { port, pid } = JSON.parse(stdout.trim().split('\n').pop()!) as {
      port: number;
      pid: number;
    };
    try {
      await eventually(async () => !(await accepts(port)), 5_000, 'the server to be gone');
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
  });
});
