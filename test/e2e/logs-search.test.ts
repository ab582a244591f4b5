import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimestampNanos } from '../../src/docker/index.js';
import { apiClient } from '../support/api-client.js';
import {
  dockerHost,
  removeContainers,
  runContainer,
  uniqueName,
  waitExit,
} from '../support/docker-cli.js';
import { startEngineProxy } from '../support/engine-proxy.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

/** Lines the big container writes, and where it writes `needle-4711`. */
const LINES = 1_000_000;
const NEEDLES = [1_000, 250_000, 500_000, 999_000];
const BIG_SCRIPT = `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) { if (i == ${NEEDLES.join(' || i == ')}) print "needle-4711 at " i; else print "line " i " of filler text for the search" } }'`;

let dir: string;
let proc: LogwardenProcess;
let url: string;
let token: string;
let proxy: Awaited<ReturnType<typeof startEngineProxy>>;
let big: string;
const created = new Set<string>();

interface Frame {
  type: string;
  text?: string;
  reason?: string;
  lines_scanned?: number;
  matched?: number;
  timestamp?: string;
  container_name?: string;
}

/** Reads an NDJSON response, noting which chunk of the body brought each frame. */
async function frames(res: Response): Promise<{ frame: Frame; chunk: number }[]> {
  const out: { frame: Frame; chunk: number }[] = [];
  const decoder = new TextDecoder();
  let rest = '';
  let chunk = 0;
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunk++;
    rest += decoder.decode(bytes, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop()!;
    for (const line of lines) out.push({ frame: JSON.parse(line) as Frame, chunk });
  }
  return out;
}

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-logs-'));
  // Logwarden reaches the engine through a proxy that sees each connection's end.
  proxy = await startEngineProxy(dockerHost());
  ({ proc, url, token } = await serveForTest(dir, { DOCKER_HOST: proxy.host }));
  big = await runContainer(BIG_SCRIPT);
  created.add(big);
  expect(await waitExit(big)).toBe(0);
}, 180_000);

afterAll(async () => {
  await stopServed(proc);
  await proxy?.close();
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

describe('searching a container of 1 000 000 lines', () => {
  it('finds exactly the needles, streaming the first before the scan ends', async () => {
    const res = await get(
      `/api/containers/${big}/logs?q=${encodeURIComponent('needle-\\d+')}&regex=true`,
    );
    expect(res.status).toBe(200);
    const got = await frames(res);
    const lines = got.filter((f) => f.frame.type === 'line');
    expect(lines.map((f) => f.frame.text)).toEqual(NEEDLES.map((n) => `needle-4711 at ${n}`));
    const end = got.at(-1)!;
    expect(end.frame).toMatchObject({
      type: 'end',
      reason: 'complete',
      lines_scanned: LINES,
      matched: 4,
    });
    // Streamed as found: the first hit is followed by progress of a scan still under way,
    // and came in an earlier piece of the body than the end.
    const first = got.indexOf(lines[0]!);
    const progressAfter = got
      .slice(first + 1)
      .find((f) => f.frame.type === 'progress' && f.frame.lines_scanned! < NEEDLES[1]!);
    expect(progressAfter, 'progress below the second needle after the first hit').toBeDefined();
    expect(lines[0]!.chunk).toBeLessThan(end.chunk);
  }, 120_000);

  it('answers 400 naming q for a pattern RE2 refuses', async () => {
    const res = await get(
      `/api/containers/${big}/logs?q=${encodeURIComponent('(?<=x)a')}&regex=true`,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('q');
  });

  it('ends the Docker request, on the engine side, when the client leaves', async () => {
    const needle = `/containers/${big}/logs?follow=0`;
    const count = (sent: string) => sent.split(needle).length - 1;
    // A kept-alive connection may carry the search: count from here on.
    const before = new Map(proxy.connections.map((c) => [c, count(c.sent)]));
    const bytesBefore = new Map(proxy.connections.map((c) => [c, c.received]));
    const client = new AbortController();
    // Every line matches: far more NDJSON than the sockets between us hold.
    const res = await get(`/api/containers/${big}/logs?limit=100000`, { signal: client.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('line 1 of filler');
    // Not reading on holds the search back: its Docker read stays open.
    const search = () => proxy.connections.find((c) => count(c.sent) > (before.get(c) ?? 0));
    await eventually(() => search() !== undefined, 10_000, 'the search read the log');
    expect(search()!.engineClosed).toBe(false);
    client.abort();
    await eventually(() => search()!.engineClosed, 10_000, 'the engine closed the logs request');
    // Docker sent a small part of the log (about 80 MB framed) before it closed.
    expect(search()!.received - (bytesBefore.get(search()!) ?? 0)).toBeLessThan(30_000_000);
    expect(search()!.clientClosed).toBe(true);
  }, 60_000);
});

describe('searching a workload', () => {
  it("merges its containers' logs by timestamp", async () => {
    const api = apiClient(url, token);
    const workload = uniqueName('shop');
    await api.post('/api/workloads', { id: workload, name: workload });
    // The three write at once on purpose: each waits for a common start, far enough off
    // for all three `docker run`s, then writes for 4 s, so the merge has lines to interleave.
    const start = Math.ceil(Date.now() / 1000) + 5;
    const ids = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        runContainer(
          `while [ "$(date +%s)" -lt ${start} ]; do usleep 20000; done; ` +
            `i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo "${name} $i"; usleep 100000; done`,
          {
            labels: { 'logwarden.workload': workload },
          },
        ),
      ),
    );
    for (const id of ids) created.add(id);
    await Promise.all(ids.map((id) => waitExit(id)));
    let lines: Frame[] = [];
    await eventually(
      async () => {
        const res = await get(`/api/workloads/${workload}/logs?limit=1000`);
        lines = (await frames(res)).map((f) => f.frame).filter((f) => f.type === 'line');
        return lines.length === 120;
      },
      30_000,
      'all three containers in the workload',
    );
    const times = lines.map((l) => parseTimestampNanos(l.timestamp!)!);
    expect(times.every((t, i) => i === 0 || times[i - 1]! <= t)).toBe(true);
    // Each container's lines keep their order, and the three interleave.
    for (const name of ['a', 'b', 'c']) {
      const own = lines
        .filter((l) => l.text!.startsWith(`${name} `))
        .map((l) => Number(l.text!.split(' ')[1]));
      expect(own).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    }
    expect(new Set(lines.slice(0, 60).map((l) => l.container_name)).size).toBe(3);
  }, 90_000);
});
