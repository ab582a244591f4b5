import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { removeContainers, runContainer, uniqueName, waitExit } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';
import { parseMetrics, sampleValue } from '../support/prometheus.js';
import type { SseConnection } from '../support/sse-client.js';

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;
const created = new Set<string>();
const streams: SseConnection[] = [];

async function start(script: string) {
  const id = await runContainer(script);
  created.add(id);
  return id;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-stream-'));
  const served = await serveForTest(dir);
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  for (const s of streams) s.close();
  await stopServed(proc);
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

interface Line {
  stream: string;
  timestamp: string | null;
  text: string;
  origin: string;
  rules?: string[];
}

const tails = async () =>
  (
    await api.get<{ tails: { container_id: string; status: string; lines: number }[] }>(
      '/api/scanner/stats',
    )
  ).tails;

describe('live log of one container', () => {
  it('gives the last lines, then the tail’s live lines marked with the rules they hit', async () => {
    const rule = `boom ${uniqueName()}`;
    await api.post('/api/rules', {
      name: rule,
      pattern: 'BOOM \\d+',
      scope: 'global',
      cooldown_seconds: 0,
    });
    const id = await start(
      'i=0; while true; do i=$((i+1)); if [ $((i % 3)) -eq 0 ]; then echo "BOOM $i" >&2; else echo "tick $i"; fi; sleep 0.1; done',
    );
    await eventually(async () =>
      (await tails()).find((t) => t.container_id === id && t.lines >= 10),
    );
    const conn = await api.sse(`/api/stream/logs/${id}?tail=5`);
    streams.push(conn);
    expect(conn.status).toBe(200);
    const lines = (await conn.collect(20)).map((m) => JSON.parse(m.data) as Line);
    expect(lines.slice(0, 5).every((l) => l.origin === 'history')).toBe(true);
    const live = lines.slice(5);
    expect(live.every((l) => l.origin === 'tail')).toBe(true);
    // One sequence, neither gaps nor repeats where history meets the live tail.
    const numbers = lines.map((l) => Number(/(\d+)$/.exec(l.text)![1]));
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    for (const line of live) {
      expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (line.text.startsWith('BOOM')) {
        expect(line.stream).toBe('stderr');
        expect(line.rules).toEqual([rule]);
      } else {
        expect(line.stream).toBe('stdout');
        expect(line.rules).toEqual([]);
      }
    }
    conn.close();
  });

  it('follows a container no tail reads (stopped) and says when its log ends', async () => {
    const name = uniqueName('done');
    const id = await runContainer('for i in 1 2 3 4; do echo "line $i"; done', { name });
    created.add(id);
    expect(await waitExit(id)).toBe(0);
    await eventually(
      async () => (await api.get<{ state: string }>(`/api/containers/${id}`)).state === 'stopped',
    );
    const conn = await api.sse(`/api/stream/logs/${name}?tail=3`);
    streams.push(conn);
    const lines = (await conn.collect(3)).map((m) => JSON.parse(m.data) as Line);
    expect(lines.map((l) => [l.text, l.origin])).toEqual([
      ['line 2', 'follow'],
      ['line 3', 'follow'],
      ['line 4', 'follow'],
    ]);
    const end = await conn.next();
    expect(end.event).toBe('end');
    await expect(conn.next()).rejects.toThrow('stream ended');
  });

  it('answers 404 for an unknown container', async () => {
    await expect(api.get('/api/stream/logs/no-such-container')).rejects.toThrow(/404/);
  });
});

describe('metrics and journal of a running Logwarden', () => {
  it('exposes Prometheus text whose scanner counters move as the scanner works', async () => {
    const before = parseMetrics(await api.text('/metrics'));
    const lines0 = sampleValue(before, 'logwarden_scanner_lines_total')!;
    const hits0 = sampleValue(before, 'logwarden_scanner_hits_total')!;
    const rule = `metric ${uniqueName()}`;
    await api.post('/api/rules', {
      name: rule,
      pattern: 'METRIC-HIT',
      scope: 'global',
      cooldown_seconds: 0,
    });
    await start('sleep 0.5; for i in 1 2 3 4 5; do echo METRIC-HIT; echo other; done; sleep 30');
    const after = await eventually(async () => {
      const families = parseMetrics(await api.text('/metrics'));
      return (sampleValue(families, 'logwarden_scanner_hits_total') ?? 0) >= hits0 + 5
        ? families
        : undefined;
    });
    expect(sampleValue(after, 'logwarden_scanner_lines_total')).toBeGreaterThanOrEqual(lines0 + 10);
    expect(sampleValue(after, 'logwarden_scanner_active_tails')).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, 'logwarden_events_recorded_total', {
        source: 'logscan',
        severity: 'warn',
      }),
    ).toBeGreaterThanOrEqual(5);
    expect(after.find((f) => f.name === 'logwarden_http_request_duration_seconds')?.type).toBe(
      'HISTOGRAM',
    );
    expect(after.map((f) => f.name)).toEqual(
      expect.arrayContaining(['nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes']),
    );
  });

  it('journals the start, rule reloads and API changes to the day file', async () => {
    await api
      .post('/api/rules', { name: 'broken', pattern: 'x', scope: 'global' })
      .then((r) => api.delete(`/api/rules/${(r as { id: number }).id}`));
    const journal = await api.get<{ items: { action: string; actor: string; success: boolean }[] }>(
      '/api/audit?limit=500',
    );
    const actions = journal.items.map((e) => e.action);
    expect(actions).toContain('logwarden.start');
    expect(actions).toContain('rules.reload');
    expect(actions).toContain('rule.create');
    expect(actions[0]).toBe('rule.delete');
    const files = readdirSync(join(dir, 'audit'));
    expect(files).toHaveLength(1);
    const text = readFileSync(join(dir, 'audit', files[0]!), 'utf8');
    expect(text).toContain('"action":"rule.delete"');
    const stats = await api.get<{ total: number; by_source: Record<string, number> }>(
      '/api/audit/stats',
    );
    expect(stats.by_source.api).toBeGreaterThan(0);
  });
});
