// Line → event and line → webhook latency of a real `logwarden serve` against the Docker
// engine in DOCKER_HOST (start one with scripts/test-docker.sh):
//
//   DOCKER_HOST=unix:///tmp/lwd/docker.sock npx tsx bench/line-latency.ts \
//     [--seconds 30] [--background-containers 10] [--background-rate 1000]
//
// A probe container prints a matching line every 100 ms; background containers print
// non-matching lines at the given total rate. A line's send time is the timestamp
// Docker gave it (`metadata.line_ts`, taken when dockerd read it from the container's
// pipe: busybox's `date` has no sub-second precision); the line arrives when its event
// comes on the SSE stream, or when the webhook receiver gets its delivery. Prints one
// JSON line per figure, with the load average before and after.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startReceiver } from '../test/fakes/webhook-receiver.js';
import { apiClient } from '../test/support/api-client.js';
import { removeContainers, runContainer } from '../test/support/docker-cli.js';
import {
  firstAdminToken,
  spawnLogwarden,
  startedUrl,
  stopServed,
} from '../test/support/logwarden-process.js';
import { dockerHost } from '../test/support/docker-cli.js';
import { openSse } from '../test/support/sse-client.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    'warmup-seconds': { type: 'string', default: '3' },
    'background-containers': { type: 'string', default: '10' },
    'background-rate': { type: 'string', default: '1000' },
  },
});
const seconds = Number(values.seconds);
const warmupMs = Number(values['warmup-seconds']) * 1000;
const bgContainers = Number(values['background-containers']);
const bgRate = Number(values['background-rate']);

/** Milliseconds since the epoch, with the fraction, of an RFC 3339 timestamp with ns. */
function epochMs(rfc3339: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(rfc3339);
  if (!m) throw new Error(`not a timestamp: ${rfc3339}`);
  const fraction = Number(`0.${(m[2] ?? '0').padEnd(9, '0')}`);
  return Date.parse(`${m[1]}Z`) + fraction * 1000;
}

/** CPU time (user + system) a process used so far, in ms (/proc, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    samples: sorted.length,
    p50_ms: round(at(0.5)),
    p99_ms: round(at(0.99)),
    max_ms: round(sorted.at(-1) ?? NaN),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'lw-latency-'));
const containers = new Set<string>();
const receiver = await startReceiver(() => ({ status: 200 }));
const webhookArrivals: number[] = [];
receiver.respond(() => {
  webhookArrivals.push(Date.now());
  return { status: 200 };
});
// As the e2e tests serve, but with minutes to start: a loaded machine compiles slowly.
const proc = spawnLogwarden(['serve'], {
  LOGWARDEN_DATA_DIR: dir,
  LOGWARDEN_LISTEN: '127.0.0.1:0',
  DOCKER_HOST: dockerHost(),
  LOGWARDEN_SCANNER_RATE_PER_SECOND: '100000',
  LOGWARDEN_SCANNER_BURST: '100000',
  LOGWARDEN_WEBHOOK_ALLOW_LOOPBACK: 'true',
});
const url = await startedUrl(proc, 600_000);
const served = {
  proc,
  url,
  token: await firstAdminToken(url, readFileSync(join(dir, 'setup-token'), 'utf8').trim()),
};
const loadBefore = loadavg();
try {
  const api = apiClient(served.url, served.token);
  await api.post('/api/rules', { name: 'latency', pattern: 'LATENCY PROBE', cooldown_seconds: 0 });
  await api.post('/api/triggers', {
    name: 'latency',
    filter: { message_regex: '^LATENCY PROBE' },
    channel: { type: 'webhook', url: `${receiver.url}/hook` },
  });
  const sse = await openSse(`${served.url}/api/stream/events?source=logscan&history=0`, {
    authorization: `Bearer ${served.token}`,
  });

  // Each background container prints its share every 100 ms (busybox sleeps no finer).
  const perTick = Math.max(1, Math.round(bgRate / bgContainers / 10));
  for (let i = 0; i < bgContainers && bgRate > 0; i++) {
    containers.add(
      await runContainer(
        `while :; do yes "background line $$ nothing to see here, GET /index.html 200 0.003" | head -n ${perTick}; usleep 100000; done`,
      ),
    );
  }
  const started = Date.now();
  containers.add(await runContainer('while :; do echo "LATENCY PROBE"; usleep 100000; done'));

  const toEvent: number[] = [];
  const deadline = started + warmupMs + seconds * 1000;
  const pid = served.proc.child.pid!;
  const linesScanned = async () =>
    (await api.get<{ lines_scanned: number }>('/api/scanner/stats')).lines_scanned;
  // Taken beside the reading loop, so that reading the SSE stream is never held up.
  const window = new Promise<{ cpu: number; lines: number; at: number }>((resolve, reject) =>
    setTimeout(() => {
      const cpu = cpuMs(pid);
      linesScanned().then((lines) => resolve({ cpu, lines, at: Date.now() }), reject);
    }, warmupMs),
  );
  while (Date.now() < deadline) {
    const message = await sse.next();
    const arrived = Date.now();
    if (message.event !== 'message') continue;
    const event = JSON.parse(message.data) as { message: string; metadata: { line_ts: string } };
    if (!event.message.startsWith('LATENCY PROBE')) continue;
    const sent = epochMs(event.metadata.line_ts);
    if (sent - started >= warmupMs) toEvent.push(arrived - sent);
  }
  sse.close();
  const from = await window;
  const cpu = cpuMs(pid) - from.cpu;
  const lines = (await linesScanned()) - from.lines;
  const windowS = (Date.now() - from.at) / 1000;
  // Give the last deliveries a moment, then pair each request with its event's line.
  await new Promise((r) => setTimeout(r, 2000));
  const toWebhook: number[] = [];
  receiver.requests.forEach((request, i) => {
    const body = JSON.parse(request.body) as { event: { metadata: { line_ts: string } } };
    const sent = epochMs(body.event.metadata.line_ts);
    if (sent - started >= warmupMs && sent <= deadline) toWebhook.push(webhookArrivals[i]! - sent);
  });

  const run = {
    cores: cpus().length,
    seconds,
    background_containers: bgContainers,
    background_lines_per_s: bgRate,
    loadavg_before: loadBefore.map((n) => Math.round(n * 100) / 100),
    loadavg_after: loadavg().map((n) => Math.round(n * 100) / 100),
    lines_per_s: Math.round(lines / windowS),
    logwarden_cpu_share: Math.round((cpu / 1000 / windowS) * 1000) / 1000,
    logwarden_cpu_us_per_line: Math.round((cpu * 1000) / Math.max(1, lines)),
  };
  console.log(JSON.stringify({ name: 'line → event (SSE)', ...run, ...summary(toEvent) }));
  console.log(JSON.stringify({ name: 'line → webhook', ...run, ...summary(toWebhook) }));
} finally {
  await stopServed(served.proc);
  await receiver.close();
  await removeContainers(containers);
  rmSync(dir, { recursive: true, force: true });
}
