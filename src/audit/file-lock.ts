import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface FileLockOptions {
  /** A lock older than this is taken to be left by a process that died holding it. */
  staleMs?: number;
  /** How long to wait for a lock held by a live process before giving up. */
  waitMs?: number;
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms`: the journal's callers never wait, so neither can this. */
function pauseSync(ms: number): void {
  Atomics.wait(PAUSE, 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An advisory lock between processes sharing a directory (`serve` and the CLI on the
 * same data directory): a file created exclusively, holding `host pid`, removed on
 * release. Node has no flock(), and holders keep it for one append (microseconds), so
 * waiting is a short synchronous spin. A lock whose holder is gone (same host, process
 * not running, or this process's own pid after a restart in a container) or that is
 * older than `staleMs` is broken.
 */
export class FileLock {
  private readonly staleMs: number;
  private readonly waitMs: number;
  private readonly self = `${hostname()} ${process.pid}`;

  constructor(
    readonly path: string,
    options: FileLockOptions = {},
  ) {
    this.staleMs = options.staleMs ?? 2_000;
    this.waitMs = options.waitMs ?? 3_000;
  }

  /** Runs `fn` holding the lock. Throws when it cannot be had within `waitMs`. */
  hold<T>(fn: () => T): T {
    this.acquire();
    try {
      return fn();
    } finally {
      try {
        unlinkSync(this.path);
      } catch {
        // Broken by someone who judged it stale: nothing left to release.
      }
    }
  }

  private acquire(): void {
    const deadline = Date.now() + this.waitMs;
    for (let tries = 0; ; tries++) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        try {
          writeSync(fd, `${this.self}\n`);
        } finally {
          closeSync(fd);
        }
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (this.breakIfStale()) continue;
      if (Date.now() > deadline)
        throw new Error(`${this.path} is held by another process (${this.holder() ?? '?'})`);
      pauseSync(tries < 20 ? 0 : 1);
    }
  }

  private holder(): string | null {
    try {
      return readFileSync(this.path, 'utf8').trim();
    } catch {
      return null;
    }
  }

  /** Removes a lock left by a holder that is gone; true when the lock is free to try. */
  private breakIfStale(): boolean {
    let ino: number;
    let age: number;
    try {
      const st = statSync(this.path);
      ino = st.ino;
      age = Date.now() - st.mtimeMs;
    } catch {
      return true;
    }
    const [host, pid] = (this.holder() ?? '').split(' ');
    const gone =
      host === hostname() &&
      pid !== undefined &&
      (Number(pid) === process.pid || !alive(Number(pid)));
    if (!gone && age < this.staleMs) return false;
    try {
      // Only the file judged stale: another process may have broken it and locked anew.
      if (statSync(this.path).ino === ino) unlinkSync(this.path);
    } catch {
      // Gone already.
    }
    return true;
  }
}
