import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { FrameDemuxer } from '../src/docker/frame-demuxer.js';
import { LineAssembler, type LogLine } from '../src/docker/line-assembler.js';

/** One Docker log frame with a timestamp, as `logs?timestamps=1` sends it. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(`2026-11-25T10:00:00.123456789Z ${text}`);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

export interface PipelineResult {
  name: string;
  lines: number;
  megabytes: number;
  seconds: number;
  linesPerSecond: number;
  megabytesPerSecond: number;
  peakRssMb: number;
}

/** Demux + assemble a synthetic corpus of access-log-like lines, delivered in 64 KiB chunks. */
export async function benchLogPipeline(totalLines = 1_000_000): Promise<PipelineResult> {
  const sample = [
    '10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /api/v1/items?page=2 HTTP/1.1" 200 5123 "-" "curl/8.5"\n',
    'level=error msg="connection refused" host=db:5432 attempt=3 took=1.2ms\n',
    '{"ts":"2026-11-25T10:00:00Z","level":"info","msg":"request served","status":200,"path":"/"}\n',
  ];
  const block = Buffer.concat(
    Array.from({ length: 1000 }, (_, i) => frame(i % 7 === 0 ? 2 : 1, sample[i % 3]!)),
  );
  const repeats = Math.ceil(totalLines / 1000);
  const chunkSize = 64 * 1024;
  async function* chunks() {
    for (let r = 0; r < repeats; r++) {
      for (let o = 0; o < block.length; o += chunkSize) yield block.subarray(o, o + chunkSize);
    }
  }
  let lines = 0;
  let peakRss = process.memoryUsage().rss;
  const sink = new Writable({
    objectMode: true,
    write(line: LogLine, _enc, done) {
      lines++;
      if ((lines & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
      void line;
      done();
    },
  });
  const started = process.hrtime.bigint();
  await pipeline(
    Readable.from(chunks()),
    new FrameDemuxer('framed'),
    new LineAssembler({ timestamps: true }),
    sink,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const megabytes = (block.length * repeats) / 1024 / 1024;
  return {
    name: 'docker log pipeline (demux + lines)',
    lines,
    megabytes: Math.round(megabytes),
    seconds: Number(seconds.toFixed(2)),
    linesPerSecond: Math.round(lines / seconds),
    megabytesPerSecond: Number((megabytes / seconds).toFixed(1)),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
  };
}
