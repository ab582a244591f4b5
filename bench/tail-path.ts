// The followed-line path as the scanner runs it, minus the database: a DockerClient
// reads a framed, timestamped log over HTTP on a unix socket (served by a child process,
// so serving costs nothing here), and a Tail demuxes, assembles, judges each line against
// its resume cursor, matches it against the 100 bench rules (~1 % of lines match) and
// builds the events of its hits; the batch sink only counts. CPU time from
// process.cpuUsage() over the whole follow, divided by the lines followed.
//
//   tsx bench/tail-path.ts                      this tree, one measurement (JSON)
//   tsx bench/tail-path.ts --compare <ref> [n]  <ref>'s src/ and this tree's, n rounds
//                                               each, alternating, child processes
//   tsx bench/tail-path.ts --measure <srcdir>   one measurement of that src/ (used above)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { benchCorpus, benchPatterns, benchRules } from './matcher.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const LINES = Number(process.env.TAIL_BENCH_LINES ?? 300_000);
/** First line's time; each next line 20 µs later (50 000 lines/s of log time). */
const START_MS = Date.UTC(2026, 10, 25, 10, 0, 0);
const STEP_NANOS = 20_000;

/** RFC3339Nano with all nine digits, as dockerd writes it before each line. */
function stamp(i: number): string {
  const nanos = i * STEP_NANOS;
  const ms = START_MS + Math.floor(nanos / 1e6);
  const frac = String((nanos % 1e9) + 1e9).slice(1);
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac + 'Z';
}

/** The corpus as dockerd sends it: one frame per line, stdout and (one in seven) stderr. */
function framedCorpus(lines: number): Buffer {
  const corpus = benchCorpus(lines);
  return Buffer.concat(
    corpus.map((text, i) => {
      const payload = Buffer.from(`${stamp(i)} ${text}\n`);
      const header = Buffer.alloc(8);
      header[0] = i % 7 === 0 ? 2 : 1;
      header.writeUInt32BE(payload.length, 4);
      return Buffer.concat([header, payload]);
    }),
  );
}

/** Child process: answers any request with the framed corpus, then ends the stream. */
function serve(socketPath: string): void {
  const body = framedCorpus(LINES);
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
    let offset = 0;
    const write = () => {
      while (offset < body.length) {
        const chunk = body.subarray(offset, offset + 64 * 1024);
        offset += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  });
  server.listen(socketPath, () => process.stdout.write('ready\n'));
}

interface Measurement {
  src: string;
  lines: number;
  events: number;
  cpu_us_per_line: number;
  wall_lines_per_second: number;
}

/** Runs one Tail over the served corpus with the modules of `srcDir`. */
async function measure(srcDir: string): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-tail-bench-'));
  const socketPath = join(dir, 'docker.sock');
  const server = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve', socketPath],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((ok) => server.stdout.once('data', () => ok()));
    const load = (m: string) => import(pathToFileURL(join(srcDir, m)).href);
    const { DockerClient } = await load('docker/client.ts');
    const { Tail } = await load('scanner/tail.ts');
    const { ScanEngine } = await load('scanner/scan-engine.ts');
    const { buildSnapshot } = await load('rules/snapshot.ts');
    const { snapshot } = buildSnapshot(benchRules(benchPatterns(100)), 1);
    const docker = new DockerClient({ host: `unix://${socketPath}` }, { apiVersion: '1.47' });
    let events = 0;
    const engine = new ScanEngine({ ratePerSecond: 1000, burst: 1000 });
    const tail = new Tail(
      {
        docker,
        sink: {
          commit: async (batch: { events: unknown[] }) => void (events += batch.events.length),
        },
        rules: { current: () => snapshot },
        engine,
        log: pino({ level: 'silent' }),
      },
      { id: 'bench', name: 'bench', workload_id: null, tty: false },
      {},
      { start: { sinceNanos: 0n } },
    );
    tail.finishWhenDrained();
    // TAIL_BENCH_PROFILE=file.cpuprofile: a CPU profile of the follow alone (no start-up).
    const profileTo = process.env.TAIL_BENCH_PROFILE;
    const session = profileTo ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const wallStart = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    tail.start();
    await tail.done;
    const cpu = process.cpuUsage(cpuStart);
    const wall = Number(process.hrtime.bigint() - wallStart) / 1e9;
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileTo!, JSON.stringify(profile));
      session.disconnect();
    }
    await docker.close();
    const lines: number = tail.state.lines;
    if (lines !== LINES) throw new Error(`followed ${lines} of ${LINES} lines`);
    return {
      src: srcDir,
      lines,
      events,
      cpu_us_per_line: Number(((cpu.user + cpu.system) / lines).toFixed(3)),
      wall_lines_per_second: Math.round(lines / wall),
    };
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `ref`'s src/ next to this tree's, alternating child processes, `rounds` each. */
function compare(ref: string, rounds: number): void {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  // Inside node_modules so that the copy resolves this tree's packages.
  const copy = join(root, 'node_modules', '.cache', 'lw-bench', sha);
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${sha} src | tar -x -C ${copy}`], { cwd: root });
  const trees = { [ref]: join(copy, 'src'), 'this tree': join(root, 'src') };
  const results: Record<string, number[]> = { [ref]: [], 'this tree': [] };
  const loadStart = loadavg()[0]!;
  for (let r = 0; r < rounds; r++) {
    for (const [name, src] of Object.entries(trees)) {
      const out = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), '--measure', src],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const m = JSON.parse(out.stdout) as Measurement;
      results[name]!.push(m.cpu_us_per_line);
      console.log(JSON.stringify({ round: r + 1, tree: name, ...m, src: undefined }));
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, xs]) => [
      name,
      { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) },
    ]),
  );
  console.log(
    JSON.stringify({
      name: 'tail path CPU µs per line',
      lines: LINES,
      rounds,
      loadavg_1m: { start: loadStart, end: loadavg()[0] },
      ...summary,
    }),
  );
}

const [mode, arg, extra] = process.argv.slice(2);
if (mode === '--serve') serve(arg!);
else if (mode === '--measure') console.log(JSON.stringify(await measure(arg!)));
else if (mode === '--compare') compare(arg ?? 'main', Number(extra ?? 5));
else console.log(JSON.stringify({ name: 'tail path', ...(await measure(join(root, 'src'))) }));
