import { Writable } from 'node:stream';

/** A client's end of an SSE response in memory: what an SseWriter wrote, read back. */
export class SseSink extends Writable {
  text = '';
  constructor() {
    super({ decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, done: () => void) {
    this.text += chunk;
    done();
  }
  /** Each frame with data: its event (`message` when unnamed) and its JSON data. */
  frames() {
    return this.text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => ({
        event: /^event: (.*)$/m.exec(b)?.[1] ?? 'message',
        data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) as Record<string, unknown>,
      }));
  }
  /** The ids of the frames that had one. */
  ids(): number[] {
    return [...this.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  }
}
