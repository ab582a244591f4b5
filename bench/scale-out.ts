// npm run bench:scale-out — many hosts on this machine: three throwaway Docker engines
// with an agent each publish through a nats-server of the bench's own (JetStream) to two
// `serve` replicas on one fresh PostgreSQL database. Measures events per second through
// the whole chain, line → commit latency at a steady rate, and the CPU each part spends
// per event. JSON lines while it runs, then a table. Method: docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { apiClient } from '../test/support/api-client.js';
import { TEST_PG_URL } from '../test/support/databases.js';
import { dockerAt, uniqueName, TEST_IMAGE } from '../test/support/docker-cli.js';
import { eventually } from '../test/support/eventually.js';
import { startExtraEngine, type ExtraEngine } from '../test/support/extra-engine.js';
import {
  serveForTest,
  serveFresh,
  spawnLogwarden,
  stopServed,
  type LogwardenProcess,
} from '../test/support/logwarden-process.js';
import { TestNatsServer } from '../test/support/nats-server.js';
import { pidsWhere, totalCpuSeconds } from './e2e/proc-stat.js';
import { round, summarize } from './e2e/stats.js';

const { values } = parseArgs({
  options: {
    'burst-lines': { type: 'string', default: '20000' },
    'paced-seconds': { type: 'string', default: '20' },
    'paced-rate': { type: 'string', default: '100' },
  },
});
const burstLines = Number(values['burst-lines']);
const pacedSeconds = Number(values['paced-seconds']);
const pacedRate = Number(values['paced-rate']);
const HOSTS = ['alpha', 'bravo', 'charlie'] as const;

const emit = (record: object) => console.log(JSON.stringify(record));
emit({
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
  },
  options: { burstLines, pacedSeconds, pacedRate, hosts: HOSTS.length, replicas: 2 },
  loadavg_start: loadavg().map((l) => round(l, 2)),
});

const root = mkdtempSync(join(tmpdir(), 'lw-bench-fleet-'));
const database = `lw_bench_fleet_${randomBytes(4).toString('hex')}`;
const databaseUrl = TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`);
const engines: ExtraEngine[] = [];
const processes: LogwardenProcess[] = [];
const containers: [string, string][] = [];
let nats: TestNatsServer | undefined;

async function sql<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Per event of a run (its lines start with `tag`): when Docker stamped the line, when it was inserted. */
async function commits(tag: string) {
  return sql<{ n: string; created_at: string; at: string }>(
    databaseUrl,
    `select count(*) over () as n, created_at, at from bench_commits where message like '${tag} %'`,
  );
}

async function runOnEveryEngine(tag: string, script: string) {
  for (const engine of engines) {
    const name = uniqueName(`bench-${tag.toLowerCase()}`);
    const id = (
      await dockerAt(engine.host, 'run', '-d', '--name', name, TEST_IMAGE, 'sh', '-c', script)
    ).trim();
    containers.push([engine.host, id]);
  }
}

const pid = (p: LogwardenProcess) => p.child.pid!;

try {
  await sql(TEST_PG_URL, `create database ${database}`);
  nats = await TestNatsServer.start();
  for (const host of HOSTS) engines.push(await startExtraEngine(`bench-${host}`));
  process.env.DOCKER_HOST = engines[0]!.host;

  const env = {
    LOGWARDEN_DATABASE_URL: databaseUrl,
    LOGWARDEN_NATS_URL: nats.url,
    LOG_LEVEL: 'warn',
  };
  const first = await serveForTest(join(root, 'serve-0'), env);
  const second = await serveFresh(join(root, 'serve-1'), env);
  const replicas = [first.proc, second.proc];
  processes.push(...replicas);
  // The insert time of every event, taken inside the transaction that commits it: the
  // app's own tables stay as they are.
  await sql(
    databaseUrl,
    `create table bench_commits (message text, created_at bigint, at bigint);
     create function bench_commit() returns trigger language plpgsql as $$
     begin
       insert into bench_commits values (new.message, new.created_at,
         (extract(epoch from clock_timestamp()) * 1000)::bigint);
       return new;
     end $$;
     create trigger bench_commit after insert on event_log for each row execute function bench_commit();`,
  );
  const api = apiClient(first.url, first.token);
  await api.post('/api/rules', {
    name: 'bench',
    pattern: '^(PACED|BURST) (?P<n>\\d+)',
    scope: 'global',
    cooldown_seconds: 0,
  });

  const agents = HOSTS.map((host, i) =>
    spawnLogwarden(['agent'], {
      DOCKER_HOST: engines[i]!.host,
      LOGWARDEN_DATA_DIR: join(root, `agent-${host}`),
      LOGWARDEN_NATS_URL: nats!.url,
      LOGWARDEN_AGENT_HOST_ID: host,
      LOGWARDEN_SCANNER_RATE_PER_SECOND: '1000000',
      LOGWARDEN_SCANNER_BURST: '1000000',
      LOG_LEVEL: 'warn',
    }),
  );
  processes.push(...agents);
  await eventually(
    async () => {
      const { items } = await api.get<{
        items: { connected: boolean; rule_revision: number | null }[];
      }>('/api/hosts');
      return (
        items.length === HOSTS.length &&
        items.every((h) => h.connected && (h.rule_revision ?? 0) > 0)
      );
    },
    120_000,
    'three agents running the rule',
  );

  // Latency at a steady rate: each engine writes `pacedRate` lines/s, ten at a time.
  const pacedLines = pacedRate * pacedSeconds;
  await runOnEveryEngine(
    'PACED',
    `n=0; while [ $n -lt ${pacedLines} ]; do n=$((n+1)); echo "PACED $n"; [ $((n % 10)) -eq 0 ] && usleep ${Math.round(1e7 / pacedRate)}; done; sleep 3600`,
  );
  const paced = await eventually(
    async () => {
      const rows = await commits('PACED');
      return rows.length === pacedLines * HOSTS.length ? rows : undefined;
    },
    (pacedSeconds + 120) * 1000,
    'every paced line committed',
  );
  const latency = summarize(paced.map((r) => Number(r.at) - Number(r.created_at)));
  emit({
    name: 'scale-out latency',
    unit: 'ms',
    lines_per_second: pacedRate * HOSTS.length,
    ...latency,
  });

  // Throughput: each engine writes `burstLines` at once; the chain works off the backlog.
  const natsPids = pidsWhere('nats-server', String(nats.port));
  const postgresPids = pidsWhere('postgres: ', database);
  const cpuBefore = {
    agents: totalCpuSeconds(agents.map(pid)),
    replicas: totalCpuSeconds(replicas.map(pid)),
    nats: totalCpuSeconds(natsPids),
    postgres: totalCpuSeconds(postgresPids),
  };
  await runOnEveryEngine('BURST', `seq 1 ${burstLines} | sed 's/^/BURST /'; sleep 3600`);
  const total = burstLines * HOSTS.length;
  const burst = await eventually(
    async () => {
      const rows = await commits('BURST');
      return rows.length === total ? rows : undefined;
    },
    600_000,
    'every burst line committed',
  );
  const cpu = {
    agents: totalCpuSeconds(agents.map(pid)) - cpuBefore.agents,
    replicas: totalCpuSeconds(replicas.map(pid)) - cpuBefore.replicas,
    nats: totalCpuSeconds(natsPids) - cpuBefore.nats,
    // The connections that exist now (a pool may have grown during the burst).
    postgres: totalCpuSeconds(pidsWhere('postgres: ', database)) - cpuBefore.postgres,
  };
  const firstLine = Math.min(...burst.map((r) => Number(r.created_at)));
  const lastCommit = Math.max(...burst.map((r) => Number(r.at)));
  const [stored] = await sql<{ total: string; once: string }>(
    databaseUrl,
    `select count(*) as total, count(distinct (host_id, message)) as once
       from event_log where message like 'BURST %'`,
  );
  emit({
    name: 'scale-out throughput',
    events: total,
    stored_events: Number(stored?.total),
    distinct_events: Number(stored?.once),
    seconds: round((lastCommit - firstLine) / 1000, 2),
    events_per_second: Math.round(total / ((lastCommit - firstLine) / 1000)),
    cpu_us_per_event: Object.fromEntries(
      Object.entries(cpu).map(([part, s]) => [part, round((s * 1e6) / total, 1)]),
    ),
  });
  emit({ loadavg_end: loadavg().map((l) => round(l, 2)) });
} finally {
  for (const proc of processes) await stopServed(proc, 'SIGKILL').catch(() => undefined);
  for (const [host, id] of containers) await dockerAt(host, 'rm', '-f', id).catch(() => undefined);
  for (const engine of engines) await engine.stop().catch(() => undefined);
  await nats?.destroy();
  await sql(TEST_PG_URL, `drop database if exists ${database} with (force)`).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
