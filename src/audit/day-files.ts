import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const FILE = /^audit-(\d{4}-\d{2}-\d{2})\.jsonl$/;

/** `YYYY-MM-DD` (UTC) of an ISO time or epoch milliseconds. */
export function dayOf(time: string | number): string {
  return (typeof time === 'number' ? new Date(time).toISOString() : time).slice(0, 10);
}

/**
 * The journal's files: one JSONL file per UTC day in one directory. Appends are one
 * synchronous write per line on a file opened for appending, so a crash (even kill -9)
 * can cut at most the line being written, and the next start isolates that torn line
 * on a line of its own.
 */
export class JournalFiles {
  private fd: number | null = null;
  private fdDay: string | null = null;

  constructor(readonly dir: string) {}

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

  /** Appends one line (without its newline) to the day's file. Throws when it cannot. */
  append(line: string, day: string): void {
    const fd = this.open(day);
    const buf = Buffer.from(`${line}\n`, 'utf8');
    let offset = 0;
    while (offset < buf.length) offset += writeSync(fd, buf, offset);
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
    try {
      // A previous run killed mid-write left a line without its newline: end it, so
      // that the torn line stays one malformed line instead of swallowing the next.
      const { size } = fstatSync(fd);
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) writeSync(fd, '\n');
      }
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.fdDay = day;
    return fd;
  }
}
