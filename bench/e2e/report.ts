import type { BenchRecord } from './context.js';

type Rec = Record<string, unknown>;
const num = (v: unknown): string => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1_000
    ? Math.round(v).toLocaleString('en-US').replaceAll(',', ' ')
    : String(v);
};
const get = (r: Rec, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Rec)[k] : undefined), r);

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The run's records as Markdown tables (the form docs/benchmarks.md takes). */
export function renderReport(records: readonly BenchRecord[]): string {
  const of = (section: string) => records.filter((r) => r.section === section) as Rec[];
  const out: string[] = [];
  const machine = of('machine')[0];
  if (machine) {
    out.push(
      `Machine: ${String(machine.cpu)}, ${num(machine.cores)} cores, Node ${String(machine.node)}; ` +
        `target ${String(machine.target)} (${String(machine.commit)})`,
    );
  }
  const throughput = of('throughput').sort(
    (a, b) => Number(a.containers) - Number(b.containers) || Number(a.rate) - Number(b.rate),
  );
  if (throughput.length) {
    out.push('', '### CPU per followed line (µs of CPU time per line, from /proc)', '');
    out.push(
      table(
        [
          'containers',
          'lines/s (achieved)',
          'Logwarden',
          'dockerd',
          'engine (dockerd+containerd+shims)',
          'Logwarden ÷ dockerd',
          'docker logs -f \\| grep',
          'grep pipeline ÷ Logwarden',
          'kept up (final lag)',
        ],
        throughput.map((r) => {
          const lw = get(r, 'logwarden_us_per_line') as number | null;
          const peer = get(r, 'peer.us_per_line') as number | null;
          return [
            num(r.containers),
            `${num(r.rate)} (${num(r.achieved_rate)})`,
            num(lw),
            num(r.dockerd_us_per_line),
            num(r.engine_us_per_line),
            num(r.logwarden_vs_dockerd),
            num(peer),
            lw && peer ? num(Math.round((peer / lw) * 100) / 100) : '—',
            `${get(r, 'lag.kept_up') ? 'yes' : 'NO'} (${num(get(r, 'lag.final'))})`,
          ];
        }),
      ),
    );
  }
  const capacity = of('capacity').filter((r) => r.summary);
  if (capacity.length) {
    out.push('', '### Highest rate sustained without growing lag', '');
    out.push(
      table(
        ['', 'containers', 'kept up at (lines/s)', 'first rate that lagged (final lag)'],
        capacity.map((r) => {
          const f = r.first_failure as Rec | null;
          return [
            r.kind === 'single' ? 'one container' : 'whole host',
            num(r.containers),
            r.highest_kept_up_rate
              ? `${num(r.highest_kept_up_rate)} (achieved ${num(r.highest_kept_up_achieved)})`
              : 'none of the ramp',
            f ? `${num(f.rate)} (${num(f.lag_final)})` : 'none in the ramp',
          ];
        }),
      ),
    );
  }
  const latency = of('latency');
  if (latency.length) {
    out.push(
      '',
      '### Latency (ms): line written → SSE event / → webhook at a loopback receiver',
      '',
    );
    out.push(
      table(
        [
          'background lines/s',
          'containers',
          'event p50',
          'event p99',
          'event max',
          'events',
          'webhook p50',
          'webhook p99',
          'webhook max',
          'webhooks',
        ],
        latency.map((r) => [
          num(r.rate),
          num(r.containers),
          num(get(r, 'line_to_event.p50_ms')),
          num(get(r, 'line_to_event.p99_ms')),
          num(get(r, 'line_to_event.max_ms')),
          `${num(get(r, 'line_to_event.count'))}/${num(r.expected_hits)}`,
          num(get(r, 'line_to_webhook.p50_ms')),
          num(get(r, 'line_to_webhook.p99_ms')),
          num(get(r, 'line_to_webhook.max_ms')),
          num(get(r, 'line_to_webhook.count')),
        ]),
      ),
    );
  }
  const memory = of('memory');
  if (memory.length) {
    out.push('', '### Memory at rest (after a forced GC)', '');
    const points = memory.filter((r) => !r.summary);
    const per = memory.find((r) => r.summary);
    out.push(
      table(
        ['', ...points.map((r) => `${num(r.idle_tails)} idle tails (MiB)`), 'per tail (KiB)'],
        [
          ['RSS', ...points.map((r) => num(r.rss_mib)), num(per?.per_tail_kib)],
          ['heap used', ...points.map((r) => num(r.heap_mib)), num(per?.heap_per_tail_kib)],
        ],
      ),
    );
  }
  const database = of('database').filter((r) => r.name === 'db GET /api/events');
  if (database.length) {
    out.push('', '### GET /api/events (ms)', '');
    out.push(
      table(
        ['query', 'events', 'p50', 'p99', 'max'],
        database.map((r) => [
          String(r.query),
          num(r.rows),
          num(r.p50_ms),
          num(r.p99_ms),
          num(r.max_ms),
        ]),
      ),
    );
  }
  const dbRecord = (name: string) => of('database').find((r) => r.name === name);
  const healthzIdle = dbRecord('db /healthz idle');
  const idlePrune = dbRecord('db idle prune');
  const underLoad = dbRecord('db /healthz during 2 searches + retention');
  const fileSize = dbRecord('db file size');
  if (healthzIdle || idlePrune || underLoad || fileSize) {
    out.push('', '### The database under searches and retention', '');
    const rows: string[][] = [];
    if (healthzIdle)
      rows.push([
        '/healthz, idle: p50 / p99 / max (ms)',
        `${num(healthzIdle.p50_ms)} / ${num(healthzIdle.p99_ms)} / ${num(healthzIdle.max_ms)}`,
      ]);
    if (idlePrune)
      rows.push([
        'retention pass with nothing to delete (ms; longest stall)',
        `${num(idlePrune.ms)} (${num(idlePrune.loop_max_ms)})`,
      ]);
    if (underLoad)
      rows.push(
        [
          'rows pruned while 2 text searches loop (s)',
          `${num(Number(get(underLoad, 'pruned.by_rows') ?? 0) + Number(get(underLoad, 'pruned.by_age') ?? 0))} in ${num(Math.round(Number(underLoad.prune_ms) / 100) / 10)}`,
        ],
        [
          '/healthz during it: p50 / p99 / max (ms)',
          `${num(get(underLoad, 'healthz.p50_ms'))} / ${num(get(underLoad, 'healthz.p99_ms'))} / ${num(get(underLoad, 'healthz.max_ms'))}`,
        ],
        [
          'text search during it: p50 / p99 (ms)',
          `${num(get(underLoad, 'searches.p50_ms'))} / ${num(get(underLoad, 'searches.p99_ms'))}`,
        ],
        [
          'event loop delay during it: p50 / p99 / max (ms)',
          `${num(underLoad.loop_p50_ms)} / ${num(underLoad.loop_p99_ms)} / ${num(underLoad.loop_max_ms)}`,
        ],
      );
    if (fileSize)
      rows.push([
        `file before → after pruning to ${num(fileSize.rows_after)} rows (MiB; free after)`,
        `${num(fileSize.mib_before)} → ${num(fileSize.mib_after)} (${num(fileSize.free_mib_after)})`,
      ]);
    if (fileSize && typeof fileSize.settle_ms === 'number')
      rows.push([
        'text index merged and pages returned after the prune (s; merge steps)',
        `${num(Math.round(fileSize.settle_ms / 100) / 10)} (${num(fileSize.text_index_merge_steps_after)})`,
      ]);
    out.push(table(['figure', 'value'], rows));
  }
  const catchup = of('catchup');
  if (catchup.length) {
    out.push('', '### Catch-up after downtime', '');
    out.push(
      table(
        ['containers', 'downtime (s)', 'backlog (lines)', 'catch-up (s)', 'lines/s', 'start (s)'],
        catchup.map((r) => [
          num(r.containers),
          num(r.downtime_seconds),
          num(r.backlog_lines),
          num(r.catchup_seconds),
          num(r.catchup_lines_per_second),
          num(r.start_seconds),
        ]),
      ),
    );
  }
  const load = of('load');
  if (load.length)
    out.push(
      '',
      `Load average (1, 5, 15 min): ${load.map((r) => `${String(r.when)} ${(r.loadavg as number[]).join(' ')}`).join('; ')}`,
    );
  const durations = of('duration');
  if (durations.length)
    out.push(
      '',
      `Duration (s): ${durations.map((r) => `${String(r.of)} ${num(r.seconds)}`).join(', ')}`,
    );
  const errors = records.filter((r) => r.error);
  for (const e of errors) out.push(`Section ${e.section} failed: ${String(e.error)}`);
  return out.join('\n');
}
