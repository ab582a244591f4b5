import { closeSync, createReadStream, openSync, readSync } from 'node:fs';

export type JsonlLine = { text: string } | { oversized: true };

/** A line and where the next one starts; `complete` is false for a last line without newline. */
export type JsonlLineAt = JsonlLine & { end: number; complete: boolean };

/**
 * Splits chunks into lines with bounded memory: a line longer than `maxBytes` is not
 * assembled but reported as oversized, its bytes skipped up to its newline.
 */
class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private oversized = false;
  /** Bytes taken in so far, from the first chunk's start. */
  private offset: number;

  constructor(
    private readonly maxBytes: number,
    start: number,
  ) {
    this.offset = start;
  }

  *push(chunk: Buffer): Generator<JsonlLineAt> {
    let buf = chunk;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      const piece = nl < 0 ? buf : buf.subarray(0, nl);
      if (!this.oversized) {
        if (this.size + piece.length > this.maxBytes) {
          this.oversized = true;
          this.parts = [];
        } else {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl < 0) {
        this.offset += buf.length;
        return;
      }
      this.offset += nl + 1;
      const line = this.take();
      if (line) yield { ...line, end: this.offset, complete: true };
      buf = buf.subarray(nl + 1);
    }
  }

  /** The last line, when the data did not end with a newline. */
  finish(): JsonlLineAt | null {
    const line = this.take();
    return line ? { ...line, end: this.offset, complete: false } : null;
  }

  private take(): JsonlLine | null {
    const line: JsonlLine | null = this.oversized
      ? { oversized: true }
      : this.size > 0
        ? { text: Buffer.concat(this.parts, this.size).toString('utf8') }
        : null;
    this.parts = [];
    this.size = 0;
    this.oversized = false;
    return line;
  }
}

/**
 * The lines of a file, with bounded memory: a line longer than `maxBytes` is not
 * assembled but reported as oversized, and its bytes are skipped up to its newline.
 * A last line without a newline (a write cut short) is still returned, marked
 * incomplete. Each line says where the next one starts.
 */
export async function* readJsonlLines(path: string, maxBytes: number): AsyncGenerator<JsonlLineAt> {
  const splitter = new LineSplitter(maxBytes, 0);
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }))
    yield* splitter.push(chunk as Buffer);
  const last = splitter.finish();
  if (last) yield last;
}

/**
 * The complete lines of a file from byte `from` to its current end, read synchronously
 * (the journal's callers never wait): what another process appended since last time.
 * A last line without its newline (being written right now, or torn) is left for the
 * next read. Returns where the next read starts.
 */
export function readCompleteLinesSync(
  path: string,
  from: number,
  maxBytes: number,
  onLine: (line: JsonlLine) => void,
): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return from;
    throw err;
  }
  try {
    const splitter = new LineSplitter(maxBytes, from);
    let position = from;
    let next = from;
    for (;;) {
      // A fresh buffer each time: the splitter keeps views of a line's pieces.
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n === 0) break;
      position += n;
      for (const line of splitter.push(chunk.subarray(0, n))) {
        onLine(line);
        next = line.end;
      }
    }
    return next;
  } finally {
    closeSync(fd);
  }
}
