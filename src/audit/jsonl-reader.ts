import { createReadStream } from 'node:fs';

export type JsonlLine = { text: string } | { oversized: true };

/**
 * The lines of a file, with bounded memory: a line longer than `maxBytes` is not
 * assembled but reported as oversized, and its bytes are skipped up to its newline.
 * A last line without a newline (a write cut short) is still returned.
 */
export async function* readJsonlLines(path: string, maxBytes: number): AsyncGenerator<JsonlLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversized = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    let buf = chunk as Buffer;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      const piece = nl < 0 ? buf : buf.subarray(0, nl);
      if (!oversized) {
        if (size + piece.length > maxBytes) {
          oversized = true;
          parts = [];
        } else {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (nl < 0) break;
      if (oversized) yield { oversized: true };
      else if (size > 0) yield { text: Buffer.concat(parts, size).toString('utf8') };
      parts = [];
      size = 0;
      oversized = false;
      buf = buf.subarray(nl + 1);
    }
  }
  if (oversized) yield { oversized: true };
  else if (size > 0) yield { text: Buffer.concat(parts, size).toString('utf8') };
}
