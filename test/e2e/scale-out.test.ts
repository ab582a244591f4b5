import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { TEST_PG_URL } from '../support/databases.js';
import {
  dockerAt,
  dockerHost,
  dockerOutput,
  uniqueName,
  TEST_IMAGE,
} from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { startExtraEngine, type ExtraEngine } from '../support/extra-engine.js';
import {
  serveForTest,
  serveFresh,
  spawnLogwarden,
  stopServed,
  type LogwardenProcess,
} from '../support/logwarden-process.js';
import { TestNatsServer } from '../support/nats-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js';

/**
 * Issue 14's acceptance, on real parts: three Docker engines with an agent each, two
 * `serve` replicas on one PostgreSQL database, a nats-server with JetStream between them.
 * During the run one agent and one replica are killed with SIGKILL and NATS restarts;
 * afterwards every generated line is in the event log exactly once, under its host.
 */

const LINES = 600;
const HOSTS = ['alpha', 'bravo', 'charlie'] as const;
type Host = (typeof HOSTS)[number];

const root = mkdtempSync(join(tmpdir(), 'lw-fleet-'));
const database = `lw_fleet_${randomBytes(4).toString('hex')}`;
const databaseUrl = TEST_PG_URL.replace(/\/[^/]*$/, `/${database}`);
let nats: TestNatsServer;
/** Charlie's way to NATS: cut to take that one agent off the network. */
let charlieLink: TcpProxy;
const extra: ExtraEngine[] = [];
const engines = new Map<Host, string>();
const agents = new Map<Host, LogwardenProcess>();
const replicas: (LogwardenProcess | null)[] = [null, null];
const containers: [string, string][] = [];
/** Every replica process started, for LW_FLEET_LOGS. */
const logs: LogwardenProcess[] = [];
const urls: string[] = [];
let token = '';
let ruleId = 0;

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function startAgent(host: Host): LogwardenProcess {
  const proc = spawnLogwarden(['agent'], {
    DOCKER_HOST: engines.get(host)!,
    LOGWARDEN_DATA_DIR: join(root, `agent-${host}`),
    LOGWARDEN_NATS_URL: host === 'charlie' ? `nats://127.0.0.1:${charlieLink.port}` : nats.url,
    LOGWARDEN_AGENT_HOST_ID: host,
    LOGWARDEN_SCANNER_RATE_PER_SECOND: '100000',
    LOGWARDEN_SCANNER_BURST: '100000',
  });
  agents.set(host, proc);
  return proc;
}

const replicaEnv = () => ({
  LOGWARDEN_DATABASE_URL: databaseUrl,
  LOGWARDEN_NATS_URL: nats.url,
  LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true',
});

/** The first replica sets the shared database up (first admin, API token). */
async function startFirstReplica() {
  const served = await serveForTest(join(root, 'serve-0'), replicaEnv());
  replicas[0] = served.proc;
  logs.push(served.proc);
  urls[0] = served.url;
  token = served.token;
  return served;
}

async function startReplica(i: number) {
  const served = await serveFresh(join(root, `serve-${i}`), replicaEnv());
  replicas[i] = served.proc;
  logs.push(served.proc);
  urls[i] = served.url;
  return served;
}

let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startReceiver();
  await admin((c) => c.query(`create database ${database}`));
  nats = await TestNatsServer.start();
  charlieLink = await startTcpProxy(nats.port);
  engines.set('alpha', dockerHost());
  for (const host of ['bravo', 'charlie'] as const) {
    const engine = await startExtraEngine(host);
    extra.push(engine);
    engines.set(host, engine.host);
  }
}, 180_000);

afterAll(async () => {
  // LW_FLEET_LOGS=DIR keeps every process's output there (to read after a failure).
  const keep = process.env.LW_FLEET_LOGS;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    for (const [host, proc] of agents)
      writeFileSync(join(keep, `agent-${host}.log`), proc.stdout.join('') + proc.stderr.join(''));
    for (const [i, proc] of logs.entries())
      writeFileSync(join(keep, `serve-${i}.log`), proc.stdout.join('') + proc.stderr.join(''));
  }
  for (const proc of [...agents.values(), ...replicas]) if (proc) await stopServed(proc, 'SIGKILL');
  for (const [host, id] of containers) await dockerAt(host, 'rm', '-f', id).catch(() => undefined);
  for (const engine of extra) await engine.stop().catch(() => undefined);
  await charlieLink?.close();
  await nats?.destroy();
  await receiver?.close();
  await admin((c) => c.query(`drop database if exists ${database} with (force)`));
  rmSync(root, { recursive: true, force: true });
}, 180_000);

async function deliveryRows() {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client
    .query<{ message_id: string; status: string; last_error: string | null }>(
      `select message_id, status, last_error from trigger_deliveries`,
    )
    .finally(() => client.end());
  return rows;
}

/** Per host: how many events each SEQ number has. */
async function tally(): Promise<Map<string, Map<number, number>>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client
    .query<{ host_id: string; message: string }>(
      `select host_id, message from event_log where source = 'logscan'`,
    )
    .finally(() => client.end());
  const byHost = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const n = Number(/SEQ (\d+)/.exec(row.message)?.[1]);
    if (!Number.isInteger(n)) continue;
    const counts = byHost.get(row.host_id) ?? new Map<number, number>();
    counts.set(n, (counts.get(n) ?? 0) + 1);
    byHost.set(row.host_id, counts);
  }
  return byHost;
}

describe('many hosts through NATS JetStream into PostgreSQL', () => {
  it('records every line of three hosts once through kill -9 of an agent and a replica and a NATS restart', async () => {
    const first = await startFirstReplica();
    const api = apiClient(first.url, first.token);
    ({ id: ruleId } = await api.post<{ id: number }>('/api/rules', {
      name: 'sequence',
      pattern: 'SEQ (?P<n>\\d+)',
      scope: 'global',
      cooldown_seconds: 0,
    }));
    await api.post('/api/triggers', {
      name: 'every hit',
      filter: { message_regex: '^SEQ ' },
      notify_on: ['event'],
      channel: { type: 'webhook', url: `${receiver.url}/hook` },
    });
    await startReplica(1);
    for (const host of HOSTS) startAgent(host);
    // Every agent runs the rule before its engine writes a line: a line written before
    // then is no hit (as in single-host mode), and this test counts hits.
    await eventually(
      async () => {
        const { items } = await api.get<{
          items: { id: string; rule_revision: number | null; connected: boolean }[];
        }>('/api/hosts');
        return (
          items.length === HOSTS.length &&
          items.every((h) => h.connected && h.rule_revision !== null && h.rule_revision > 0)
        );
      },
      120_000,
      'three agents running the rule',
    );

    // Numbered lines on every engine, at a pace that leaves time to break things.
    for (const host of HOSTS) {
      const engine = engines.get(host)!;
      const id = (
        await dockerAt(
          engine,
          'run',
          '-d',
          '--name',
          uniqueName(`fleet-${host}`),
          TEST_IMAGE,
          'sh',
          '-c',
          `n=0; while [ $n -lt ${LINES} ]; do n=$((n+1)); echo "SEQ $n"; [ $((n % 20)) -eq 0 ] && sleep 0.2; done; sleep 3600`,
        )
      ).trim();
      containers.push([engine, id]);
    }

    const recorded = async (host: Host) => (await tally()).get(host)?.size ?? 0;
    await eventually(async () => (await recorded('bravo')) >= 100, 120_000, 'bravo at 100');
    await stopServed(agents.get('bravo')!, 'SIGKILL');
    await eventually(async () => (await recorded('alpha')) >= 200, 120_000, 'alpha at 200');
    await stopServed(replicas[1]!, 'SIGKILL');
    replicas[1] = null;
    startAgent('bravo');
    await nats.restart();
    await eventually(async () => (await recorded('charlie')) >= 400, 120_000, 'charlie at 400');
    await startReplica(1);

    await eventually(
      async () => {
        const counts = await tally();
        return HOSTS.every((h) => counts.get(h)?.size === LINES);
      },
      240_000,
      'every line of every host',
    ).catch(() => undefined);
    const counts = await tally();
    const wrong: string[] = [];
    for (const host of HOSTS)
      for (let n = 1; n <= LINES; n++) {
        const seen = counts.get(host)?.get(n) ?? 0;
        if (seen !== 1) wrong.push(`${host} SEQ ${n}: recorded ${seen}`);
      }
    expect(wrong.slice(0, 20)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual([...HOSTS].sort());

    // Each hit notified: sent once, or — where a replica died with the request out —
    // sent again under the same webhook-id and marked uncertain in the delivery log.
    const deliveries = await eventually(
      async () => {
        const rows = await deliveryRows();
        return rows.length === LINES * HOSTS.length && rows.every((d) => d.status === 'sent')
          ? rows
          : undefined;
      },
      240_000,
      'every delivery sent',
    );
    const answered = new Map<string, number>();
    for (const r of receiver.requests)
      if (r.answered === 200) {
        const id = String(r.headers['webhook-id']);
        answered.set(id, (answered.get(id) ?? 0) + 1);
      }
    const twice = deliveries.filter((d) => (answered.get(d.message_id) ?? 0) > 1);
    expect(twice.filter((d) => !d.last_error?.startsWith('uncertain:'))).toEqual([]);
    expect(deliveries.filter((d) => !answered.has(d.message_id))).toEqual([]);

    // Docker agrees on what was written.
    for (const [engine, id] of containers) {
      const { stdout } = await dockerOutput(engine, 'logs', id);
      expect(stdout.split('\n').filter((l) => l.startsWith('SEQ ')).length).toBe(LINES);
    }
  }, 600_000);

  it('a rule change on one replica reaches every agent, and one cut off from NATS applies it when it is back', async () => {
    const api = apiClient(urls[0]!, token);
    const revisions = async () => {
      const { items } = await api.get<{ items: { id: string; rule_revision: number | null }[] }>(
        '/api/hosts',
      );
      return new Map(items.map((h) => [h.id, h.rule_revision ?? 0]));
    };
    const before = Math.max(...(await revisions()).values());
    charlieLink.cut();
    // On the other replica: the rules are shared, not the replica's own.
    await apiClient(urls[1]!, token).patch(`/api/rules/${ruleId}`, {
      pattern: '^NEW (?P<n>\\d+)',
    });
    await eventually(
      async () => {
        const now = await revisions();
        return now.get('alpha')! > before && now.get('bravo')! > before;
      },
      60_000,
      'alpha and bravo on the new rules',
    );
    expect((await revisions()).get('charlie')).toBeLessThanOrEqual(before);

    const probe = async (host: Host) => {
      const engine = engines.get(host)!;
      const id = (
        await dockerAt(
          engine,
          'run',
          '-d',
          TEST_IMAGE,
          'sh',
          '-c',
          'echo "SEQ 100001"; for n in 1 2 3; do echo "NEW $n"; done; sleep 3600',
        )
      ).trim();
      containers.push([engine, id]);
    };
    const hits = async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const { rows } = await client
        .query<{ host_id: string; message: string }>(
          `select host_id, message from event_log where message like 'NEW %' or message = 'SEQ 100001'`,
        )
        .finally(() => client.end());
      return rows.map((r) => `${r.host_id} ${r.message}`).sort();
    };
    await probe('alpha');
    await probe('bravo');
    await eventually(async () => (await hits()).length >= 6, 60_000, 'NEW hits on alpha and bravo');

    charlieLink.restore();
    await eventually(
      async () => (await revisions()).get('charlie')! > before,
      120_000,
      'charlie on the new rules after it reconnected',
    );
    await probe('charlie');
    await eventually(async () => (await hits()).length >= 9, 60_000, 'NEW hits on charlie');
    // The old pattern no longer matches anywhere; each new hit once, under its host.
    expect(await hits()).toEqual(
      HOSTS.flatMap((h) => [1, 2, 3].map((n) => `${h} NEW ${n}`)).sort(),
    );
  }, 300_000);
});
