import { describe, expect, it } from 'vitest';
import type { CompiledRule, RuleCondition } from '../rules/index.js';
import { MAX_COUNT_KEYS_PER_RULE } from '../rules/index.js';
import { ConditionTracker, type ConditionLine, type WatchedContainer } from './conditions.js';

const counters = () => ({ hits: 0, cooldown_drops: 0, condition_keys_dropped: 0 });

function rule(condition: RuleCondition, over: Partial<CompiledRule> = {}): CompiledRule {
  return {
    id: 1,
    name: 'errors',
    severity: 'error',
    stream: 'both',
    cooldown_seconds: 0,
    workload_id: null,
    condition,
    ...over,
  };
}

let seq = 0;
function line(
  containerId: string,
  timeMs: number,
  over: Partial<ConditionLine> = {},
): ConditionLine {
  seq++;
  return {
    containerId,
    containerName: `name-${containerId}`,
    workloadId: 'shop',
    stream: 'stdout',
    text: `line ${seq}`,
    timestamp: null,
    truncated: false,
    timeMs,
    mark: { tsNanos: BigInt(timeMs) * 1_000_000n, seen: 1 },
    ...over,
  };
}

const count5in10 = rule({ type: 'count', threshold: 5, window_seconds: 10, group_by: 'container' });

describe('ConditionTracker: count', () => {
  it('fires once per container for five matches in ten seconds; four do not', () => {
    const t = new ConditionTracker(counters(), () => 0);
    for (let i = 0; i < 5; i++)
      t.observe(line('a', i * 1000), [{ rule: count5in10, captures: {} }]);
    for (let i = 0; i < 4; i++)
      t.observe(line('b', i * 1000), [{ rule: count5in10, captures: {} }]);
    const { events, upserts } = t.take();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'logscan',
      severity: 'error',
      container_id: 'a',
      rule_id: 1,
      metadata: { group_key: 'container:a', count: 5, window_seconds: 10, condition: 'count' },
    });
    expect(upserts.map((u) => u.group_key).sort()).toEqual(['container:a', 'container:b']);
  });

  it('groups by workload and by a named capture', () => {
    const byWorkload = rule({
      type: 'count',
      threshold: 2,
      window_seconds: 10,
      group_by: 'workload',
    });
    const byIp = rule(
      { type: 'count', threshold: 2, window_seconds: 10, group_by: 'capture:ip' },
      { id: 2 },
    );
    const t = new ConditionTracker(counters(), () => 0);
    t.observe(line('a', 0), [{ rule: byWorkload, captures: {} }]);
    t.observe(line('b', 1), [{ rule: byWorkload, captures: {} }]);
    t.observe(line('a', 2), [{ rule: byIp, captures: { ip: '10.0.0.1' } }]);
    t.observe(line('a', 3), [{ rule: byIp, captures: { ip: '10.0.0.2' } }]);
    t.observe(line('a', 4), [{ rule: byIp, captures: { ip: '10.0.0.1' } }]);
    const keys = t.take().events.map((e) => e.metadata?.group_key);
    expect(keys).toEqual(['workload:shop', 'capture:ip=10.0.0.1']);
  });

  it('applies the cooldown to fires, after counting', () => {
    const c = counters();
    const t = new ConditionTracker(c, () => 0);
    const r = rule(
      { type: 'count', threshold: 2, window_seconds: 10, group_by: 'container' },
      { cooldown_seconds: 60 },
    );
    for (let i = 0; i < 6; i++) t.observe(line('a', i * 1000), [{ rule: r, captures: {} }]);
    expect(t.take().events).toHaveLength(1);
    expect(c.cooldown_drops).toBe(2);
    for (let i = 0; i < 2; i++) t.observe(line('a', 70_000 + i), [{ rule: r, captures: {} }]);
    const [next] = t.take().events;
    expect(next?.metadata).toMatchObject({ suppressed: 2 });
  });

  it('carries on from the stored state and does not count a line twice', () => {
    const first = new ConditionTracker(counters(), () => 0);
    const lines = [0, 1, 2, 3, 4].map((i) => line('a', i * 1000));
    for (const l of lines.slice(0, 3)) first.observe(l, [{ rule: count5in10, captures: {} }]);
    const stored = first.take().upserts;
    // Restart: the cursor was stored after line 1 only; lines 2.. are read again.
    const second = new ConditionTracker(counters(), () => 0);
    second.load(stored);
    for (const l of lines.slice(1, 4)) second.observe(l, [{ rule: count5in10, captures: {} }]);
    expect(second.take().events).toHaveLength(0);
    second.observe(lines[4]!, [{ rule: count5in10, captures: {} }]);
    expect(second.take().events).toHaveLength(1);
  });

  it('gives back what a failed commit took', () => {
    const t = new ConditionTracker(counters(), () => 0);
    for (let i = 0; i < 5; i++) t.observe(line('a', i), [{ rule: count5in10, captures: {} }]);
    const taken = t.take();
    t.giveBack(taken);
    const again = t.take();
    expect(again.events).toHaveLength(1);
    expect(again.upserts).toHaveLength(1);
  });

  it('caps the keys of a rule and counts the drops; forgets quiet keys', () => {
    const c = counters();
    let now = 0;
    const t = new ConditionTracker(c, () => now);
    const byIp = rule({ type: 'count', threshold: 5, window_seconds: 10, group_by: 'capture:ip' });
    for (let i = 0; i <= MAX_COUNT_KEYS_PER_RULE; i++)
      t.observe(line('a', 0), [{ rule: byIp, captures: { ip: String(i) } }]);
    expect(t.keys).toBe(MAX_COUNT_KEYS_PER_RULE);
    expect(c.condition_keys_dropped).toBe(1);
    t.take();
    now = 10_000 + 60_001;
    t.sweep(new Map([[1, byIp]]), now);
    expect(t.keys).toBe(0);
    expect(t.take().deletes).toHaveLength(MAX_COUNT_KEYS_PER_RULE);
  });

  it('starts a rule over when its condition changed or it is gone', () => {
    const t = new ConditionTracker(counters(), () => 0);
    for (let i = 0; i < 4; i++) t.observe(line('a', i), [{ rule: count5in10, captures: {} }]);
    const changed = rule({
      type: 'count',
      threshold: 5,
      window_seconds: 20,
      group_by: 'container',
    });
    t.observe(line('a', 5), [{ rule: changed, captures: {} }]);
    expect(t.take().events).toHaveLength(0);
    t.sweep(new Map(), 0);
    expect(t.keys).toBe(0);
  });
});

describe('ConditionTracker: absence', () => {
  const absent = rule({ type: 'absence', window_seconds: 10 }, { id: 7, severity: 'warn' });
  const watched = (id: string, over: Partial<WatchedContainer> = {}): WatchedContainer => ({
    id,
    name: `name-${id}`,
    workload_id: null,
    started_at: 0,
    watchingSince: 0,
    absenceRules: [absent],
    ...over,
  });

  it('fires after the window without a matching line, once, and resolves on the next one', () => {
    const t = new ConditionTracker(counters(), () => 0);
    t.observe(line('a', 1_000), [{ rule: absent, captures: {} }]);
    expect(t.checkAbsence([watched('a')], 10_999)).toBe(false);
    expect(t.checkAbsence([watched('a')], 11_000)).toBe(true);
    expect(t.checkAbsence([watched('a')], 12_000)).toBe(false);
    expect(t.checkAbsence([watched('a')], 12_000)).toBe(false);
    const [fired] = t.take().events;
    expect(fired).toMatchObject({
      severity: 'warn',
      container_id: 'a',
      rule_id: 7,
      metadata: { group_key: 'container:a', condition: 'absence', window_seconds: 10 },
    });
    t.observe(line('a', 13_000), [{ rule: absent, captures: {} }]);
    const { events, deletes } = t.take();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      severity: 'info',
      metadata: { group_key: 'container:a', resolves: true },
    });
    expect(deletes).toEqual([{ rule_id: 7, group_key: 'container:a' }]);
  });

  it('forgets the fired absence of a container that was removed', () => {
    const t = new ConditionTracker(counters(), () => 0);
    t.checkAbsence([watched('a'), watched('b')], 20_000);
    t.take();
    t.pruneAbsences((id) => id === 'a');
    expect(t.take().deletes).toEqual([{ rule_id: 7, group_key: 'container:b' }]);
    expect(t.keys).toBe(1);
  });

  it('measures from when watching began and from the container start', () => {
    const t = new ConditionTracker(counters(), () => 0);
    expect(t.checkAbsence([watched('a', { watchingSince: 50_000 })], 59_000)).toBe(false);
    expect(t.checkAbsence([watched('b', { started_at: 55_000 })], 60_000)).toBe(false);
    expect(t.checkAbsence([watched('a', { watchingSince: 50_000 })], 60_000)).toBe(true);
  });

  it('a fired absence stored before a restart resolves after it and does not fire again', () => {
    const t = new ConditionTracker(counters(), () => 0);
    t.checkAbsence([watched('a')], 20_000);
    const stored = t.take().upserts;
    const after = new ConditionTracker(counters(), () => 0);
    after.load(stored);
    expect(after.checkAbsence([watched('a', { watchingSince: 30_000 })], 50_000)).toBe(false);
    after.observe(line('a', 51_000), [{ rule: absent, captures: {} }]);
    expect(after.take().events[0]?.metadata).toMatchObject({ resolves: true });
  });

  it('a workload rule fires only when every watched container of the workload is silent', () => {
    const wl = rule({ type: 'absence', window_seconds: 10 }, { id: 8, workload_id: 'shop' });
    const t = new ConditionTracker(counters(), () => 0);
    const a = watched('a', { workload_id: 'shop', absenceRules: [wl] });
    const b = watched('b', { workload_id: 'shop', absenceRules: [wl] });
    t.observe(line('b', 5_000), [{ rule: wl, captures: {} }]);
    expect(t.checkAbsence([a, b], 12_000)).toBe(false);
    expect(t.checkAbsence([a, b], 15_000)).toBe(true);
    const [fired] = t.take().events;
    expect(fired).toMatchObject({
      container_id: null,
      workload_id: 'shop',
      metadata: { group_key: 'workload:shop', containers: ['name-a', 'name-b'] },
    });
    t.observe(line('a', 16_000), [{ rule: wl, captures: {} }]);
    expect(t.take().events[0]?.metadata).toMatchObject({
      group_key: 'workload:shop',
      resolves: true,
    });
  });
});
