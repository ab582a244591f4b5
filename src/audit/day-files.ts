import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { FileLock } from './file-lock.js';

const FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** `YYYY-MM-DD` (UTC) of an ISO time or epoch milliseconds. */
export function dayOf(time: string | number): string {
  return (typeof time === 'number' ? new Date(time).toISOString() : time).slice(0, 10);
}

/**
 * The journal's files: one JSONL file per UTC day in one directory. Appends are one
 * synchronous write per line on a file opened for appending, so a crash (even kill -9)
 * can cut at most the line being written, and the next append isolates that torn line
 * on a line of its own. Several processes may append (`serve` and the CLI): they take
 * turns under a lock file in the directory.
 */
export class JournalFiles {
  private fd: number | null = null;
  private fdDay: string | null = null;
  private readonly lock: FileLock;

  constructor(readonly dir: string) {
    this.lock = new FileLock(join(dir, '.journal.lock'));
  }

  /** Runs `fn` as the only writer among the processes sharing the directory. */
  exclusively<T>(fn: () => T): T {
    try {
      return this.lock.hold(fn);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // The first append of all: the directory is made then.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return this.lock.hold(fn);
  }

  /** The day file's size in bytes; 0 when it does not exist. */
  sizeOf(day: string): number {
    try {
      return statSync(this.pathOf(day)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  pathOf(day: string): string {
    return join(this.dir, `audit-${day}.jsonl`);
  }

  /** The days that have a file, oldest first. */
  days(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names
      .map((name) => FILE.exec(name)?.[1])
      .filter((day): day is string => day !== undefined)
      .sort();
  }

  /**
   * Appends one line (without its newline) to the day's file; returns the file's size
   * after it. A line torn by a writer that died (no newline at the end) is ended first.
   * Throws when it cannot.
   */
  append(line: string, day: string): number {
    const fd = this.open(day);
    const size = endTornLine(fd);
    const buf = Buffer.from(`${line}\n`, 'utf8');
    let offset = 0;
    while (offset < buf.length) offset += writeSync(fd, buf, offset);
    return size + buf.length;
  }

  /** Removes the files of days before `day`; returns the days removed. */
  removeBefore(day: string): string[] {
    const removed: string[] = [];
    for (const d of this.days()) {
      if (d >= day) break;
      if (d === this.fdDay) this.close();
      rmSync(this.pathOf(d), { force: true });
      removed.push(d);
    }
    return removed;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.fdDay = null;
  }

  private open(day: string): number {
    if (this.fd !== null && this.fdDay === day) return this.fd;
    this.close();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = openSync(this.pathOf(day), 'a+', 0o600);
    this.fd = fd;
    this.fdDay = day;
    return fd;
  }
}

/**
 * A writer killed mid-write left a line without its newline: end it, so that the torn
 * line stays one malformed line instead of swallowing the next. Returns the size after.
 */
function endTornLine(fd: number): number {
  const { size } = fstatSync(fd);
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return size;
  writeSync(fd, '\n');
  return size + 1;
}
