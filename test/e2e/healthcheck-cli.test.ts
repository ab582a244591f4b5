import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  serveFresh,
  spawnLogwarden,
  stopServed,
  type LogwardenProcess,
} from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-health-'));
let served: LogwardenProcess | null = null;

afterAll(async () => {
  if (served) await stopServed(served, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function healthcheck(args: string[], env: Record<string, string> = {}) {
  const run = spawnLogwarden(['healthcheck', ...args], env);
  const code = await run.exit;
  return { code, stdout: run.stdout.join(''), stderr: run.stderr.join('') };
}

describe('logwarden healthcheck (the image HEALTHCHECK)', () => {
  it('exits 0 against a serving Logwarden, found from its listen address', async () => {
    const { proc, url } = await serveFresh(dir);
    served = proc;
    const { port } = new URL(url);
    // The image binds the wildcard address; the probe asks on loopback.
    const result = await healthcheck([], { LOGWARDEN_LISTEN: `0.0.0.0:${port}` });
    expect(result).toMatchObject({
      code: 0,
      stdout: `healthy: http://127.0.0.1:${port}/healthz\n`,
    });
  });

  it('exits 1 with the reason when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const result = await healthcheck([], { LOGWARDEN_LISTEN: `127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unhealthy: .*ECONNREFUSED/);
  });

  it('exits 1 when /healthz answers anything but 200', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const result = await healthcheck(['--url', `http://127.0.0.1:${port}/healthz`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/answered 503/);
    } finally {
      server.close();
    }
  });
});
