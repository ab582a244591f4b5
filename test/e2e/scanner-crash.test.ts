import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import {
  docker,
  dockerHost,
  dockerOutput,
  removeContainers,
  runContainer,
} from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';
import { serveForTest, stopServed, type LogwardenProcess } from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-crash-'));
const created = new Set<string>();
let proc: LogwardenProcess | null = null;

async function serve() {
  const served = await serveForTest(dir);
  proc = served.proc;
  return apiClient(served.url, served.token);
}

async function killHard() {
  await stopServed(proc!, 'SIGKILL');
  proc = null;
}

afterAll(async () => {
  if (proc) await stopServed(proc, 'SIGKILL');
  await removeContainers(created);
  rmSync(dir, { recursive: true, force: true });
});

const numbersIn = (messages: string[]) =>
  messages.map((m) => /SEQ (\d+)/.exec(m)?.[1]).filter((n): n is string => n !== undefined);

describe('exactly once across crashes', () => {
  it('records every numbered line once through kill -9 of Logwarden and docker restart', async () => {
    let api = await serve();
    const rule = await api.post<{ id: number }>('/api/rules', {
      name: 'sequence',
      pattern: 'SEQ (?P<n>\\d+)',
      scope: 'global',
      cooldown_seconds: 0,
    });
    // The counter lives in the container's filesystem, so a docker restart continues it.
    // It is appended, never rewritten: `echo $n > /tmp/n` truncates first, and a restart's
    // SIGKILL landing between the truncation and the write left an empty file, an empty
    // $n, a loop that ended at once and a test waiting for a SEQ 900 that never came.
    // Bursts of ten with one sleep each, all shell builtins: a process per line would
    // make the pace depend on how busy the machine is.
    const id = await runContainer(
      'n=0; [ -f /tmp/n ] && while read -r x; do n=$x; done < /tmp/n; while [ $n -lt 900 ]; do n=$((n+1)); echo $n >> /tmp/n; echo "SEQ $n"; [ $((n % 3)) -eq 0 ] && echo "SEQ $n" >&2 && echo "SEQ $n" >&2; [ $((n % 10)) -eq 0 ] && sleep 0.3; done; sleep 3600',
    );
    created.add(id);
    const count = async () => (await api.allEvents(`rule=${rule.id}`)).length;

    for (const [i, atLeast] of [100, 300, 500].entries()) {
      await eventually(async () => (await count()) >= atLeast, 120_000, `${atLeast} events`);
      await killHard();
      if (i === 1) await docker('restart', '-t', '1', id);
      await new Promise((r) => setTimeout(r, 300));
      api = await serve();
    }

    // Ground truth: what Docker holds for the container, both streams.
    // The last number goes to stdout once and stderr twice: wait for all three.
    await eventually(
      async () => {
        await new Promise((r) => setTimeout(r, 500)); // each look reads the whole log
        const { stdout, stderr } = await dockerOutput(dockerHost(), 'logs', id);
        return stdout.includes('SEQ 900') && stderr.split('SEQ 900').length === 3;
      },
      240_000,
      'the container to finish',
    );
    const held = await dockerOutput(dockerHost(), 'logs', id);
    const expected = numbersIn(`${held.stdout}${held.stderr}`.split('\n')).sort();
    // Wait for the scanner to catch up, then compare: on a shortfall the diff below
    // says which lines were lost or repeated, which a timeout would not.
    await eventually(
      async () => (await api.allEvents(`rule=${rule.id}`)).length >= expected.length,
      120_000,
    ).catch(() => undefined);
    const events = await api.allEvents(`rule=${rule.id}`);
    const seen = numbersIn(events.map((e) => e.message)).sort();
    const tally = (list: string[]) =>
      list.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
    const have = tally(seen);
    const want = tally(expected);
    const wrong = [...new Set([...have.keys(), ...want.keys()])]
      .filter((n) => have.get(n) !== want.get(n))
      .map((n) => `SEQ ${n}: recorded ${have.get(n) ?? 0}, Docker holds ${want.get(n) ?? 0}`);
    expect(wrong).toEqual([]);
    expect(seen.length).toBe(expected.length);
  }, 600_000);
});
