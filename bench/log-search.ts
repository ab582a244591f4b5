// npm run bench:search — the history search's scan rate over a container of 1 000 000
// lines, side by side with `docker logs <c> | grep -E 'needle-[0-9]+'` on the same
// container, against the engine DOCKER_HOST names (scripts/test-docker.sh start).
// Prints one JSON object per run and a summary: lines/s and CPU seconds of each side,
// and of dockerd, which serves the log to both.
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { DockerClient } from '../src/docker/index.js';
import { LogSearch } from '../src/logs/search.js';
import { searchFilter } from '../src/rules/index.js';
import { removeContainers, runContainer, waitExit } from '../test/support/docker-cli.js';
import { cpuSeconds, pidsWhere, totalCpuSeconds } from './e2e/proc-stat.js';

const run = promisify(execFile);
const LINES = 1_000_000;
const NEEDLES = [1_000, 250_000, 500_000, 999_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const host = process.env.DOCKER_HOST ?? '';
if (host === '') throw new Error('set DOCKER_HOST (eval "$(bash scripts/test-docker.sh start)")');

const script = `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) { if (i == ${NEEDLES.join(' || i == ')}) print "needle-4711 at " i; else print "line " i " of filler text for the search" } }'`;
const id = await runContainer(script);
await waitExit(id);
// The engine's own dockerd: its command line names the socket DOCKER_HOST points at.
const dockerd = pidsWhere('dockerd', host.replace(/^unix:\/\//, ''));

async function logwarden() {
  const client = new DockerClient({ host });
  const search = new LogSearch({ docker: client });
  const filter = searchFilter('needle-\\d+', true);
  const cpu0 = process.cpuUsage();
  const d0 = totalCpuSeconds(dockerd);
  const t0 = performance.now();
  const open = await search.open(
    [{ id, name: 'bench', tty: false }],
    { filter, levels: null, limit: 500 },
    new AbortController().signal,
  );
  let found = 0;
  const end = await open.run({ write: (f) => void (f.type === 'line' && found++) });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  if (end.lines_scanned !== LINES || found !== NEEDLES.length)
    throw new Error(`search scanned ${end.lines_scanned}, found ${found}`);
  return {
    seconds,
    cpu: (cpu.user + cpu.system) / 1e6,
    dockerdCpu: totalCpuSeconds(dockerd) - d0,
  };
}

async function grep() {
  const d0 = totalCpuSeconds(dockerd);
  const t0 = performance.now();
  // `times` prints the children's user and system CPU after the pipeline.
  const { stdout } = await run('bash', [
    '-c',
    `docker logs ${id} 2>&1 | grep -E 'needle-[0-9]+' | wc -l; times`,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const [count, , children] = stdout.trim().split('\n');
  if (Number(count) !== NEEDLES.length) throw new Error(`grep found ${count}`);
  const cpu = [...children!.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { seconds, cpu, dockerdCpu: totalCpuSeconds(dockerd) - d0 };
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
};
console.log(
  JSON.stringify({ machine, dockerdPids: dockerd, dockerdCpuBefore: dockerd.map(cpuSeconds) }),
);
const best = { logwarden: Infinity, grep: Infinity };
const results: Record<'logwarden' | 'grep', Awaited<ReturnType<typeof grep>>[]> = {
  logwarden: [],
  grep: [],
};
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternating, so that neither side always runs on a warmer page cache.
    for (const [name, measure] of [
      ['logwarden', logwarden],
      ['grep', grep],
    ] as const) {
      const r = await measure();
      results[name].push(r);
      best[name] = Math.min(best[name], r.seconds);
      console.log(
        JSON.stringify({
          name: `log search: ${name}`,
          round,
          linesPerSecond: Math.round(LINES / r.seconds),
          ...r,
        }),
      );
    }
  }
  const rate = (s: number) => Math.round(LINES / s);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    JSON.stringify({
      name: 'log search summary (best of rounds)',
      logwardenLinesPerSecond: rate(best.logwarden),
      grepLinesPerSecond: rate(best.grep),
      ratio: Math.round((best.grep / best.logwarden) * 100) / 100,
      medianCpu: {
        logwarden: median(results.logwarden.map((r) => r.cpu)),
        grep: median(results.grep.map((r) => r.cpu)),
        dockerdForLogwarden: median(results.logwarden.map((r) => r.dockerdCpu)),
        dockerdForGrep: median(results.grep.map((r) => r.dockerdCpu)),
      },
    }),
  );
} finally {
  await removeContainers([id]);
}
