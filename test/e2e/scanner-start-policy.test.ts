import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import { dockerHost, dockerOutput, removeContainers, runContainer } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-start-policy-'));
const created = new Set<string>();
let proc: LogwardenProcess | null = null;
const INITIAL_TAIL_LINES = 5;

async function serve() {
  const served = await serveForTest(dir, {
    LOGWARDEN_SCANNER_INITIAL_TAIL_LINES: String(INITIAL_TAIL_LINES),
  });
  proc = served.proc;
  return apiClient(served.url, served.token);
}

afterAll(async () => {
  if (proc) await stopServed(proc, 'SIGKILL');
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A container that numbers its lines: `<tag> n` on stdout for n up to `count`, every
 * fifth also twice on stderr, in bursts of 50 with a short sleep (about 1,000 lines a
 * second), then idles so its log stays readable.
 */
const sequenced = (tag: string, count: number) =>
  `n=0; while [ $n -lt ${count} ]; do n=$((n+1)); echo "${tag} $n"; [ $((n % 5)) -eq 0 ] && echo "${tag} $n" >&2 && echo "${tag} $n" >&2; [ $((n % 50)) -eq 0 ] && sleep 0.05; done; sleep 3600`;

/** How often each `<tag> n` occurs, in Docker's log (ground truth) or in the events. */
function tally(tag: string, lines: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const pattern = new RegExp(`${tag} (\\d+)`);
  for (const line of lines) {
    const n = pattern.exec(line)?.[1];
    if (n !== undefined) out.set(n, (out.get(n) ?? 0) + 1);
  }
  return out;
}

/** Every line Docker holds for the container is an event, exactly as often. */
function differences(want: Map<string, number>, have: Map<string, number>): string[] {
  return [...new Set([...want.keys(), ...have.keys()])]
    .filter((n) => want.get(n) !== have.get(n))
    .map((n) => `${n}: recorded ${have.get(n) ?? 0}, Docker holds ${want.get(n) ?? 0}`);
}

describe('where a tail without a cursor starts', () => {
  it('reads containers started just before a crash or while Logwarden was down from their start', async () => {
    // Running before Logwarden ever watched this host: the first-start policy applies.
    const before = await runContainer(
      'n=0; while [ $n -lt 50 ]; do n=$((n+1)); echo "OLD $n"; done; sleep 3600',
    );
    created.add(before);
    await eventually(
      async () => (await dockerOutput(dockerHost(), 'logs', before)).stdout.includes('OLD 50'),
      30_000,
    );

    let api = await serve();
    type Stats = { tails: { container_id: string; lines: number }[] };
    const tailOf = async (id: string) =>
      (await api.get<Stats>('/api/scanner/stats')).tails.find((t) => t.container_id === id);
    await eventually(async () => (await tailOf(before))?.lines === INITIAL_TAIL_LINES, 60_000);
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: 'numbered',
      pattern: '^(EARLY|DOWN) \\d+$',
      scope: 'global',
      cooldown_seconds: 0,
    });

    // Started 0.5 s before Logwarden dies: its tail has committed no cursor yet.
    const early = await runContainer(sequenced('EARLY', 3000));
    created.add(early);
    await sleep(500);
    await stopServed(proc!, 'SIGKILL');
    proc = null;

    // Started while Logwarden is down.
    const down = await runContainer(sequenced('DOWN', 2000));
    created.add(down);
    await sleep(1000);
    api = await serve();

    for (const [id, tag, count] of [
      [early, 'EARLY', 3000],
      [down, 'DOWN', 2000],
    ] as const) {
      await eventually(
        async () => {
          await sleep(500); // each look reads the whole log
          const held = await dockerOutput(dockerHost(), 'logs', id);
          return held.stdout.includes(`${tag} ${count}\n`);
        },
        240_000,
        `${tag} to finish`,
      );
      const held = await dockerOutput(dockerHost(), 'logs', id);
      const want = tally(tag, `${held.stdout}${held.stderr}`.split('\n'));
      const wanted = [...want.values()].reduce((a, b) => a + b, 0);
      expect(wanted).toBe(count + (count / 5) * 2);
      const recorded = async () =>
        (await api.allEvents(`rule=${rule.id}`)).filter((e) => e.container_id === id);
      // Wait for the scanner to catch up; on a shortfall the diff says which lines.
      await eventually(async () => (await recorded()).length >= wanted, 120_000).catch(
        () => undefined,
      );
      const have = tally(
        tag,
        (await recorded()).map((e) => e.message),
      );
      expect(differences(want, have)).toEqual([]);
    }

    // The container that was running before the first start has a cursor now: nothing
    // of it is read again, and the policy's last N lines were all it contributed.
    await sleep(1500);
    expect((await tailOf(before))?.lines ?? 0).toBe(0);
  }, 600_000);
});
