import { describe, expect, it } from 'vitest';
import { LifecycleTracker } from './lifecycle.js';
import type { ContainerRecord } from './model.js';
import { containerRecord } from '../../test/support/fixtures.js';

function container(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return containerRecord('c1', { name: 'api', started_at: 1000, ...over });
}

const tracker = () => new LifecycleTracker({ restartLoopCount: 3, restartLoopWindowMs: 300_000 });

describe('LifecycleTracker', () => {
  it('reports a non-zero exit nobody asked for as a crash', () => {
    const t = tracker();
    const died = container({ state: 'stopped', exit_code: 1 });
    const out = t.observe({
      action: 'die',
      container: died,
      previous: container(),
      exitCode: 1,
      now: 10,
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'crash', severity: 'error' });
    expect(out[0]!.metadata.exit_code).toBe(1);
  });

  it("keeps when a crash happened (the die event's time): the UI reads the log up to it", () => {
    const out = tracker().observe({
      action: 'die',
      container: container({ state: 'stopped', exit_code: 2 }),
      previous: container(),
      exitCode: 2,
      exitAt: Date.UTC(2026, 11, 1, 10, 0, 0, 123),
      now: 10,
    });
    expect(out[0]!.metadata.finished_at).toBe('2026-12-01T10:00:00.123Z');
  });

  it('does not report exit 0, nor a die right after a kill (stop, compose recreate)', () => {
    const t = tracker();
    const stopped = container({ state: 'stopped', exit_code: 143 });
    expect(
      t.observe({
        action: 'die',
        container: container({ state: 'stopped', exit_code: 0 }),
        previous: container(),
        exitCode: 0,
        now: 5,
      }),
    ).toEqual([]);
    t.observe({ action: 'kill', container: container(), previous: container(), now: 10 });
    expect(
      t.observe({
        action: 'die',
        container: stopped,
        previous: container(),
        exitCode: 143,
        now: 20,
      }),
    ).toEqual([]);
    // The kill is consumed: a later crash of the same container still counts.
    expect(
      t.observe({
        action: 'die',
        container: stopped,
        previous: container(),
        exitCode: 143,
        now: 30,
      }),
    ).toHaveLength(1);
  });

  it('a die long after a kill is a crash again', () => {
    const t = tracker();
    t.observe({ action: 'kill', container: container(), previous: container(), now: 0 });
    const out = t.observe({
      action: 'die',
      container: container({ state: 'stopped' }),
      previous: container(),
      exitCode: 2,
      now: 120_000,
    });
    expect(out.map((o) => o.kind)).toEqual(['crash']);
  });

  it('records an OOM kill once, not again on its die', () => {
    const t = tracker();
    const oom = t.observe({ action: 'oom', container: container(), previous: container(), now: 1 });
    expect(oom.map((o) => [o.kind, o.severity])).toEqual([['oom', 'critical']]);
    const die = t.observe({
      action: 'die',
      container: container({ state: 'stopped', exit_code: 137 }),
      previous: container(),
      exitCode: 137,
      oomKilled: true,
      now: 2,
    });
    expect(die).toEqual([]);
  });

  it('records an OOM seen only on the die (OOMKilled) once', () => {
    const t = tracker();
    const die = t.observe({
      action: 'die',
      container: container({ state: 'stopped' }),
      previous: container(),
      exitCode: 137,
      oomKilled: true,
      now: 2,
    });
    expect(die.map((o) => o.kind)).toEqual(['oom']);
  });

  it('reports a restart loop once per episode and no crashes inside it', () => {
    const t = tracker();
    const kinds: string[] = [];
    let previous = container();
    for (let i = 1; i <= 6; i++) {
      const died = container({ state: 'stopped', restart_count: previous.restart_count });
      kinds.push(
        ...t
          .observe({ action: 'die', container: died, previous, exitCode: 1, now: i * 1000 })
          .map((o) => o.kind),
      );
      const restarted = container({ restart_count: i });
      kinds.push(
        ...t
          .observe({ action: 'start', container: restarted, previous: died, now: i * 1000 + 100 })
          .map((o) => o.kind),
      );
      previous = restarted;
    }
    expect(kinds.filter((k) => k === 'restart_loop')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'crash')).toHaveLength(3);
  });

  it('starts a new episode after a quiet window', () => {
    const t = tracker();
    let previous = container();
    let loops = 0;
    for (const base of [0, 1_000_000]) {
      for (let i = 1; i <= 3; i++) {
        const next = container({ restart_count: previous.restart_count + 1 });
        loops += t
          .observe({ action: 'start', container: next, previous, now: base + i })
          .filter((o) => o.kind === 'restart_loop').length;
        previous = next;
      }
    }
    expect(loops).toBe(2);
  });

  it('reports unhealthy once and the recovery', () => {
    const t = tracker();
    const c = container();
    const kinds = [
      'health_status: unhealthy',
      'health_status: unhealthy',
      'health_status: healthy',
      'health_status: healthy',
    ].flatMap((action) =>
      t
        .observe({ action, container: c, previous: c, now: 1 })
        .map((o) => `${o.kind}:${o.severity}`),
    );
    expect(kinds).toEqual(['unhealthy:warn', 'recovered:info']);
  });
});
