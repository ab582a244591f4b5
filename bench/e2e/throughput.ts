import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchSection } from './context.js';
import { sleep } from './context.js';
import { GeneratorSet } from './generator.js';
import { LagGauge, waitForTails } from './lag.js';
import { totalCpuSeconds } from './proc-stat.js';
import { judgeLag, round } from './stats.js';

/** CPU seconds of each party over a window, and the lines it covered. */
interface Window {
  seconds: number;
  written: number;
  read: number;
  cpu: Record<string, number>;
  lagSamples: number[];
}

/** Measures `seconds` of the running load: CPU of each party from /proc, lag every 0.5 s. */
export async function measureWindow(
  gauge: LagGauge,
  parties: Record<string, () => number[]>,
  seconds: number,
  rate: number,
): Promise<Window> {
  const cpu0 = Object.fromEntries(
    Object.entries(parties).map(([k, p]) => [k, totalCpuSeconds(p())]),
  );
  const written0 = gauge.written();
  const read0 = await gauge.read();
  const t0 = performance.now();
  const lagSamples: number[] = [];
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(500);
    lagSamples.push(await gauge.lag());
  }
  const cpu = Object.fromEntries(
    Object.entries(parties).map(([k, p]) => [k, totalCpuSeconds(p()) - cpu0[k]!]),
  );
  void rate;
  return {
    seconds: (performance.now() - t0) / 1000,
    written: gauge.written() - written0,
    read: (await gauge.read()) - read0,
    cpu,
    lagSamples,
  };
}

/**
 * How long a set that fell behind may take to catch up before the next rate: fifty
 * containers on two cores never do (the machine is full), and waiting out the old 120 s
 * twice made the run miss its 15 minutes. What is still unread then is in the JSON.
 */
const DRAIN_CAP_MS = 30_000;

const perLine = (cpuSeconds: number, lines: number) =>
  lines > 0 ? round((cpuSeconds * 1e6) / lines, 2) : null;

/** `docker logs -f --timestamps <id> | LC_ALL=C grep -E -f rules` for each container. */
async function startPeers(ctx: BenchContext, set: GeneratorSet) {
  const dir = mkdtempSync(join(tmpdir(), 'lw-peer-'));
  const children: ChildProcess[] = [];
  const outputs: string[] = [];
  for (const [i, id] of set.ids.entries()) {
    const outFile = join(dir, `grep-${i}`);
    outputs.push(outFile);
    const out = openSync(outFile, 'w');
    // Line-buffered: the matches written so far are the lines it has read so far / ratio.
    const grep = spawn('grep', ['--line-buffered', '-E', '-f', ctx.patternsFile], {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['pipe', out, 'ignore'],
    });
    closeSync(out);
    // --tail 0, not --since: with --since, json-file reads the whole log from its start
    // to find the first line to send (seconds of dockerd's CPU on a long log).
    const docker = spawn('docker', ['logs', '-f', '--timestamps', '--tail', '0', id], {
      env: { ...process.env, DOCKER_HOST: ctx.engine.host },
      stdio: ['ignore', grep.stdin!, 'ignore'],
    });
    children.push(grep, docker);
  }
  const matched = () =>
    outputs.reduce((sum, f) => sum + readFileSync(f, 'utf8').split('\n').length - 1, 0);
  return {
    pids: () => children.map((c) => c.pid!).filter(Boolean),
    /** Lines grep has printed so far (the matching ones among those it read). */
    matched,
    async stop(): Promise<void> {
      for (const c of children) c.kill('SIGKILL');
      await sleep(200);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU per followed line: Logwarden's, dockerd's (and the whole engine's: dockerd,
 * containerd, shims) in the same window, then the peer's (`docker logs -f | grep`) in
 * the next window on the same load; at each container count × total rate.
 */
export const throughputSection: BenchSection = {
  name: 'throughput',
  async run(ctx) {
    // A set the memory section left is measured first, alone (then removed), so every
    // count is measured with no other container followed.
    const counts = [...ctx.options.containers].sort(
      (a, b) => Number(ctx.spareSets.has(b)) - Number(ctx.spareSets.has(a)),
    );
    for (const containers of counts) {
      const spare = ctx.spareSets.get(containers);
      ctx.spareSets.delete(containers);
      const set = spare ?? (await GeneratorSet.start(ctx.engine, `cpu${containers}`, containers));
      try {
        await waitForTails(ctx, containers);
        const gauge = await LagGauge.at(ctx, set);
        const genPids = await set.pids();
        let backlogAtStart = 0;
        for (const [i, rate] of ctx.options.rates.entries()) {
          const last = i === ctx.options.rates.length - 1;
          set.load({ totalRate: rate, matchRatio: ctx.options.matchRatio, notifyEvery: 0 });
          await sleep(3000);
          const w = await measureWindow(
            gauge,
            {
              logwarden: () => [ctx.served.pid],
              dockerd: () => [ctx.engine.dockerdPid()],
              engine: () => ctx.engine.enginePids(),
              generators: () => genPids,
            },
            ctx.options.cellSeconds,
            rate,
          );
          const lag = judgeLag(w.lagSamples, rate);
          let peer: Record<string, unknown> | null = null;
          if (ctx.options.peer) {
            const peers = await startPeers(ctx, set);
            await sleep(2000);
            const matched0 = peers.matched();
            const p = await measureWindow(
              gauge,
              { peer: peers.pids, dockerd: () => [ctx.engine.dockerdPid()] },
              ctx.options.cellSeconds,
              rate,
            );
            const matched = peers.matched() - matched0;
            await peers.stop();
            // Exactly one line in 1/ratio matches (the generator spaces them evenly): the
            // lines the pipeline got through in the window, also when it fell behind.
            const peerLines = Math.min(p.written, Math.round(matched / ctx.options.matchRatio));
            peer = {
              us_per_line: perLine(p.cpu.peer!, peerLines),
              lines_read: peerLines,
              lines_written: p.written,
              kept_up: peerLines >= p.written * 0.9,
              dockerd_us_per_line_with_two_followers: perLine(p.cpu.dockerd!, p.written),
              grep_matched: matched,
            };
          }
          set.idle();
          // After the last rate the set is removed, which ends its tails and their backlog;
          // a backlog that would take longer than the cap at the window's read rate is not
          // waited for either.
          const readRate = w.read / w.seconds;
          const hopeless = (await gauge.lag()) > (readRate * DRAIN_CAP_MS) / 1000;
          const drainSeconds = last || hopeless ? null : await gauge.drain(DRAIN_CAP_MS);
          const unread = last ? null : Math.max(0, await gauge.lag());
          ctx.emit({
            section: 'throughput',
            containers,
            rate,
            achieved_rate: Math.round(w.written / w.seconds),
            window_seconds: round(w.seconds, 1),
            lines_written: w.written,
            lines_read: w.read,
            logwarden_us_per_line: perLine(w.cpu.logwarden!, w.read),
            dockerd_us_per_line: perLine(w.cpu.dockerd!, w.written),
            engine_us_per_line: perLine(w.cpu.engine!, w.written),
            generators_us_per_line: perLine(w.cpu.generators!, w.written),
            logwarden_vs_dockerd:
              w.cpu.dockerd! > 0
                ? round(w.cpu.logwarden! / w.read / (w.cpu.dockerd! / w.written), 2)
                : null,
            logwarden_cores: round(w.cpu.logwarden! / w.seconds, 2),
            lag,
            backlog_at_start: backlogAtStart,
            drain_seconds: drainSeconds === null ? null : round(drainSeconds, 1),
            unread_after_drain: unread,
            peer,
          });
          backlogAtStart = unread ?? 0;
        }
      } finally {
        await set.remove();
        await waitForTails(ctx, 0);
      }
    }
  },
};
