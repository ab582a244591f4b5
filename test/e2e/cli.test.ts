import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { spawnLogwarden, startedUrl, type LogwardenProcess } from '../support/logwarden-process.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-cli-'));
  dirs.push(dir);
  return dir;
}

function cli(args: string[], env: Record<string, string> = {}): LogwardenProcess {
  const run = spawnLogwarden(args, env);
  children.push(run.child);
  return run;
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('logwarden CLI', () => {
  it('prints its version', async () => {
    const run = cli(['--version']);
    expect(await run.exit).toBe(0);
    expect(run.stdout.join('').trim()).toBe(VERSION);
  });

  it('exits 2 on an unknown command', async () => {
    const run = cli(['frobnicate']);
    expect(await run.exit).toBe(2);
    expect(run.stderr.join('')).toMatch(/unknown command/);
  });

  it('exits 2 naming the key when the YAML file has an unknown key', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:0\nlisten_adress: nope\n');
    const run = cli(['serve', '--config', file], { LOGWARDEN_DATA_DIR: dir });
    expect(await run.exit).toBe(2);
    expect(run.stderr.join('')).toMatch(/listen_adress/);
  });

  it('exits 2 naming the variable when an env value is bad', async () => {
    const run = cli(['migrate'], { LOGWARDEN_LISTEN: '127.0.0.1:99999' });
    expect(await run.exit).toBe(2);
    expect(run.stderr.join('')).toMatch(/LOGWARDEN_LISTEN: .*65535/);
  });

  it('migrates the SQLite database in the data directory', async () => {
    const dir = join(tempDir(), 'fresh');
    const run = cli(['migrate'], { LOGWARDEN_DATA_DIR: dir });
    expect(await run.exit).toBe(0);
    expect(existsSync(join(dir, 'logwarden.db'))).toBe(true);
    // Password hashes and channel credentials live there: owner only.
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'logwarden.db')).mode & 0o777).toBe(0o600);
  });

  it('serves /healthz and /readyz, then stops cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const run = cli(['serve'], {
      LOGWARDEN_DATA_DIR: dir,
      LOGWARDEN_LISTEN: '127.0.0.1:0',
      DOCKER_HOST: process.env.DOCKER_HOST!,
    });
    const url = await startedUrl(run);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    let ready: Response | undefined;
    for (let i = 0; i < 50; i++) {
      ready = await fetch(`${url}/readyz`);
      if (ready.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready?.status).toBe(200);
    const body = (await ready!.json()) as { checks: { docker: { reachable: boolean } } };
    expect(body.checks.docker.reachable).toBe(true);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stdout.join('')).toContain('logwarden stopped');
  });

  it('still serves when Docker is unreachable, and says so on /readyz', async () => {
    const dir = tempDir();
    const run = cli(['serve'], {
      LOGWARDEN_DATA_DIR: dir,
      LOGWARDEN_LISTEN: '127.0.0.1:0',
      DOCKER_HOST: `unix://${join(dir, 'absent.sock')}`,
    });
    const url = await startedUrl(run);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as {
      checks: { docker: { reachable: boolean; error: string }; database: { ok: boolean } };
    };
    expect(body.checks.docker.reachable).toBe(false);
    expect(body.checks.docker.error).toMatch(/unreachable/);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });
});
