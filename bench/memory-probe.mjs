// Preloaded into a measured process (node --expose-gc --import ./bench/memory-probe.mjs …):
// on SIGUSR2 it collects garbage and writes its memory figures as one JSON line to
// $MEMORY_PROBE_OUT; on SIGWINCH it writes a heap snapshot there (+ .heapsnapshot).
// Bench-only: nothing in src/ knows about it.
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

const out = process.env.MEMORY_PROBE_OUT;

function statusKb(field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync('/proc/self/status', 'utf8'),
  );
  return match ? Number(match[1]) : null;
}

if (out) {
  process.on('SIGUSR2', () => {
    // Twice: the first pass runs finalizers that free what the second collects.
    globalThis.gc?.();
    globalThis.gc?.();
    const resources = {};
    for (const name of process.getActiveResourcesInfo())
      resources[name] = (resources[name] ?? 0) + 1;
    const spaces = {};
    for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.space_used_size;
    writeFileSync(
      out,
      `${JSON.stringify({
        at: Date.now(),
        rssKb: statusKb('VmRSS'),
        rssAnonKb: statusKb('RssAnon'),
        rssFileKb: statusKb('RssFile'),
        ...process.memoryUsage(),
        spaces,
        resources,
      })}\n`,
    );
  });
  process.on('SIGWINCH', () => {
    writeHeapSnapshot(`${out}.heapsnapshot`);
    writeFileSync(`${out}.snapshot-done`, '1');
  });
}
