// npm run bench:e2e — Logwarden against a real (throwaway) Docker engine: CPU per line
// next to dockerd's and a `docker logs -f | grep` peer, capacity, latency, memory per
// tail, catch-up. JSON lines while it runs, then the tables. See docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchPatterns } from '../matcher.js';
import { capacitySection } from './capacity.js';
import { catchupSection } from './catchup.js';
import { databaseSection, seedInBackground, type SeededDatabase } from './database.js';
import type { BenchContext, BenchOptions, BenchRecord, BenchSection } from './context.js';
import { startEngine } from './engine.js';
import { buildGeneratorImage, removeBenchContainers } from './generator.js';
import { waitForTails } from './lag.js';
import { latencySection } from './latency.js';
import { memorySection } from './memory.js';
import { Api, adminToken, serve, type Served } from './process.js';
import { renderReport } from './report.js';
import { throughputSection } from './throughput.js';

/** Every section, in the order a full run takes them (memory first: before load grows the heap). */
export const SECTIONS: BenchSection[] = [
  memorySection,
  throughputSection,
  capacitySection,
  latencySection,
  catchupSection,
  databaseSection,
];

const list = (s: string) => s.split(',').map((x) => Number(x.trim()));

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: fileURLToPath(new URL('../..', import.meta.url)) },
    sections: { type: 'string', default: SECTIONS.map((s) => s.name).join(',') },
    'cell-seconds': { type: 'string', default: '8' },
    containers: { type: 'string', default: '1,10,50' },
    rates: { type: 'string', default: '5000,20000,50000' },
    'no-peer': { type: 'boolean', default: false },
    'downtime-seconds': { type: 'string', default: '60' },
    'catchup-lines': { type: 'string', default: '1000000' },
    'catchup-containers': { type: 'string', default: '10' },
    'idle-tails': { type: 'string', default: '0,50,200' },
    'database-rows': { type: 'string', default: '1000000' },
    'docker-dir': { type: 'string', default: '/tmp/lwd-bench-e2e' },
    'cpu-prof-dir': { type: 'string' },
    'serve-log': { type: 'string' },
  },
});

const options: BenchOptions = {
  target: resolve(values.target),
  cellSeconds: Number(values['cell-seconds']),
  containers: list(values.containers),
  rates: list(values.rates),
  peer: !values['no-peer'],
  matchRatio: 0.01,
  downtimeSeconds: Number(values['downtime-seconds']),
  catchupLines: Number(values['catchup-lines']),
  catchupContainers: Number(values['catchup-containers']),
  idleTails: list(values['idle-tails']),
  databaseRows: Number(values['database-rows']),
};
const wanted = values.sections.split(',').map((s) => s.trim());
const sections = SECTIONS.filter((s) => wanted.includes(s.name));
const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
if (unknown.length) throw new Error(`unknown sections: ${unknown.join(', ')}`);
if (!existsSync(join(options.target, 'dist/main.js')))
  throw new Error(`${options.target}/dist/main.js missing: run npm run build there first`);

const records: BenchRecord[] = [];
const emit = (record: BenchRecord) => {
  records.push(record);
  console.log(JSON.stringify(record));
};
const commit = (() => {
  try {
    return execFileSync('git', ['-C', options.target, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
})();
emit({
  section: 'machine',
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gib: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  target: options.target,
  commit,
  options,
});
emit({ section: 'load', when: 'start', loadavg: loadavg().map((l) => Math.round(l * 100) / 100) });
const began = Date.now();

const engine = await startEngine(values['docker-dir']);
const work = mkdtempSync(join(tmpdir(), 'lw-bench-e2e-'));
const dataDir = join(work, 'data');
const patternsFile = join(work, 'patterns');
let served: Served | null = null;
let seededDatabase: SeededDatabase | undefined;
// Interrupted: leave no Logwarden and no generator behind (removing the containers also
// ends any `docker logs -f` of the peer).
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`bench:e2e: ${signal}, cleaning up`);
    void (async () => {
      await served?.stop().catch(() => undefined);
      seededDatabase?.remove();
      await removeBenchContainers(engine).catch(() => undefined);
      await engine.stop().catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
      process.exit(130);
    })();
  });
try {
  await buildGeneratorImage(engine);
  await removeBenchContainers(engine);
  const patterns = benchPatterns(100);
  writeFileSync(patternsFile, patterns.join('\n') + '\n');
  const cpuProfDir = values['cpu-prof-dir'] ? resolve(values['cpu-prof-dir']) : undefined;
  const start = () =>
    serve({
      target: options.target,
      dataDir,
      dockerHost: engine.host,
      cpuProfDir,
      logFile: values['serve-log'] ? resolve(values['serve-log']) : undefined,
    });
  served = await start();
  const api = new Api(served.url, await adminToken(served.url, dataDir));
  for (const [i, pattern] of patterns.entries())
    await api.post('/api/rules', {
      name: `bench ${i}`,
      pattern,
      severity: 'warn',
      cooldown_seconds: 0,
    });

  // Seeding shares the machine only with the memory section: resident memory is not a
  // CPU figure. Every other section waits for it.
  seededDatabase = sections.includes(databaseSection)
    ? seedInBackground(options.databaseRows)
    : undefined;
  const ctx: BenchContext = {
    seededDatabase,
    spareSets: new Map(),
    engine,
    served,
    api,
    options,
    emit,
    patternsFile,
    async stopServed() {
      await ctx.served.stop();
    },
    async startServed() {
      served = await start();
      ctx.served = served;
      ctx.api = new Api(served.url, api.token);
    },
    async restart() {
      await ctx.stopServed();
      await ctx.startServed();
    },
  };
  for (const section of sections) {
    if (section !== memorySection) await seededDatabase?.done.catch(() => undefined);
    if (section !== throughputSection && ctx.spareSets.size > 0) {
      for (const set of ctx.spareSets.values()) await set.remove();
      ctx.spareSets.clear();
      await waitForTails(ctx, 0);
    }
    const sectionBegan = Date.now();
    try {
      await section.run(ctx);
    } catch (err) {
      emit({ section: section.name, error: err instanceof Error ? err.message : String(err) });
    }
    emit({
      section: 'duration',
      of: section.name,
      seconds: Math.round((Date.now() - sectionBegan) / 1000),
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
    });
  }
} finally {
  await served?.stop();
  seededDatabase?.remove();
  await removeBenchContainers(engine).catch(() => undefined);
  await engine.stop();
  rmSync(work, { recursive: true, force: true });
}
emit({ section: 'load', when: 'end', loadavg: loadavg().map((l) => Math.round(l * 100) / 100) });
emit({ section: 'duration', of: 'total', seconds: Math.round((Date.now() - began) / 1000) });
console.log('\n' + renderReport(records));
