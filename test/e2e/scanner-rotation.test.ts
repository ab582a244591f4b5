import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-rotation-'));
const created = new Set<string>();
let proc: LogwardenProcess | null = null;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  const served = await serveForTest(dir);
  proc = served.proc;
  api = apiClient(served.url, served.token);
}, 120_000);

afterAll(async () => {
  if (proc) await stopServed(proc, 'SIGTERM');
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A writer of `<tag> n` lines at `rate` a second (paced on /proc/uptime in blocks of
 * 200, with no process per line), bounded by a line count and a time cap; then
 * `DONE <lines written>` and idle, so its log stays readable until it is removed.
 */
function paced(tag: string, rate: number, lines: number, capSeconds: number): string {
  return [
    `RATE=${rate}; N=${lines}; MAXCS=${capSeconds * 100}`,
    'read u _ < /proc/uptime; s=${u%.*}${u#*.}; n=0',
    'while [ $n -lt $N ]; do',
    `  i=0; while [ $i -lt 200 ]; do n=$((n+1)); i=$((i+1)); echo "${tag} $n"; done`,
    '  read u _ < /proc/uptime; now=${u%.*}${u#*.}',
    '  [ $((now - s)) -gt $MAXCS ] && break',
    '  ahead=$(( s + n*100/RATE - now ))',
    '  [ $ahead -gt 0 ] && busybox usleep $((ahead*10000))',
    'done',
    'echo "DONE $n"; sleep 3600',
  ].join('\n');
}

interface TailStats {
  container_id: string;
  lines: number;
  lines_possibly_lost: number;
  repeated_lines: number;
  reconnects: number;
}

async function tailOf(id: string): Promise<TailStats | undefined> {
  const stats = await api.get<{ tails: TailStats[] }>('/api/scanner/stats');
  return stats.tails.find((t) => t.container_id === id);
}

async function rule(name: string, pattern: string): Promise<number> {
  const created = await api.post<{ id: number }>('/api/rules', {
    name,
    pattern,
    scope: 'global',
    cooldown_seconds: 0,
  });
  return created.id;
}

/** `DONE n` of the container once scanned: how many lines it wrote. */
async function linesWritten(ruleId: number, id: string, timeoutMs: number): Promise<number> {
  let lastReport = Date.now();
  const done = await eventually(
    async () => {
      await new Promise((r) => setTimeout(r, 1000));
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        console.info(`waiting for DONE; tail: ${JSON.stringify(await tailOf(id))}`);
      }
      const events = await api.allEvents(`rule=${ruleId}&q=DONE`);
      return events.find((e) => e.container_id === id && e.message.startsWith('DONE '));
    },
    timeoutMs,
    'the writer to finish and its last line to be scanned',
  );
  return Number(done.message.split(' ')[1]);
}

/** How often each number of `<tag> n` was recorded for the container. */
async function recordedNumbers(ruleId: number, id: string, tag: string) {
  const counts = new Map<number, number>();
  for (const e of await api.allEvents(`rule=${ruleId}`)) {
    if (e.container_id !== id || !e.message.startsWith(`${tag} `)) continue;
    const n = Number(e.message.slice(tag.length + 1));
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

describe('json-file log rotation', () => {
  it('loses and repeats nothing at max-size=10m max-file=3 and 20 000 lines/s for 60 s', async () => {
    // Every thousandth line and the last one become events: which lines arrived, and
    // that none arrived twice. The tail's line count covers all the others.
    const ruleId = await rule('rotation sample', '^(R \\d*000|DONE \\d+)$');
    const id = await runContainer(paced('R', 20_000, 1_200_000, 90), {
      extra: ['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'],
    });
    created.add(id);
    const started = Date.now();
    const written = await linesWritten(ruleId, id, 300_000);
    const seconds = (Date.now() - started) / 1000;
    // The writer kept about the rate (a loaded machine may slow it; it never outpaces).
    expect(written).toBeGreaterThan(600_000);
    const tail = await eventually(
      async () => {
        const t = await tailOf(id);
        return t && t.lines >= written + 1 ? t : undefined;
      },
      120_000,
      'the tail to count every line',
    ).catch(async () => tailOf(id));
    console.info(
      `rotation 10m×3: ${written} lines written in ~${seconds.toFixed(0)} s; tail: ${JSON.stringify(tail)}`,
    );
    // Docker 20.10 sends a line twice now and then as it rotates (same time, same
    // bytes): those are skipped (repeated_lines), so each line counts once.
    expect(tail).toMatchObject({ lines: written + 1, lines_possibly_lost: 0 });
    const counts = await recordedNumbers(ruleId, id, 'R');
    const expected = Array.from({ length: Math.floor(written / 1000) }, (_, i) => (i + 1) * 1000);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(expected);
    expect([...counts.entries()].filter(([, c]) => c !== 1)).toEqual([]);
    await removeContainers([id]);
    created.delete(id);
  }, 600_000);

  it('counts possible loss and stores no line twice at max-size=1k max-file=2', async () => {
    const ruleId = await rule('every line', '^(S \\d+|DONE \\d+)$');
    const id = await runContainer(paced('S', 20_000, 200_000, 30), {
      extra: ['--log-opt', 'max-size=1k', '--log-opt', 'max-file=2'],
    });
    created.add(id);
    const written = await linesWritten(ruleId, id, 240_000);
    const tail = await tailOf(id);
    const counts = await recordedNumbers(ruleId, id, 'S');
    const recorded = [...counts.values()].reduce((a, b) => a + b, 0);
    console.info(
      `rotation 1k×2: ${written} lines written, ${counts.size} distinct recorded; tail: ${JSON.stringify(tail)}`,
    );
    expect([...counts.entries()].filter(([, c]) => c !== 1)).toEqual([]);
    expect(recorded).toBeLessThan(written);
    expect(tail?.lines_possibly_lost ?? 0).toBeGreaterThan(0);
    await removeContainers([id]);
    created.delete(id);
  }, 600_000);
});
