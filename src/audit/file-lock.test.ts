import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLock } from './file-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-lock-'));
  dirs.push(dir);
  return join(dir, '.lock');
}

/** A pid that no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('FileLock', () => {
  it('holds the file while `fn` runs and removes it after, also when `fn` throws', () => {
    const path = lockPath();
    const lock = new FileLock(path);
    expect(lock.hold(() => existsSync(path))).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(() =>
      lock.hold(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(path)).toBe(false);
  });

  it('breaks a lock left by a process of this host that is gone', async () => {
    const path = lockPath();
    writeFileSync(path, `${hostname()} ${await deadPid()}\n`);
    // A long stale time: only the holder being gone can free it.
    const lock = new FileLock(path, { staleMs: 3_600_000, waitMs: 0 });
    expect(lock.hold(() => 'got it')).toBe('got it');
  });

  it('breaks a lock carrying this very pid: left by an earlier process that had it', () => {
    const path = lockPath();
    writeFileSync(path, `${hostname()} ${process.pid}\n`);
    const lock = new FileLock(path, { staleMs: 3_600_000, waitMs: 0 });
    expect(lock.hold(() => 1)).toBe(1);
  });

  it('waits for a live holder and gives up saying who holds it; an old lock is broken', () => {
    const path = lockPath();
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(path, `${hostname()} ${process.ppid}\n`);
    const waiting = new FileLock(path, { staleMs: 3_600_000, waitMs: 20 });
    expect(() => waiting.hold(() => 1)).toThrow(
      `held by another process (${hostname()} ${process.ppid})`,
    );
    expect(existsSync(path)).toBe(true);
    // The same lock judged by its age: held far longer than any append takes.
    const impatient = new FileLock(path, { staleMs: 0, waitMs: 0 });
    expect(impatient.hold(() => 2)).toBe(2);
  });
});
