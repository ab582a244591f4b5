import { describe, expect, it } from 'vitest';
import type { RuleMatch } from '../rules/index.js';
import { ScanEngine } from './scan-engine.js';

function match(id: number, cooldown_seconds: number): RuleMatch {
  return {
    rule: {
      id,
      name: `r${id}`,
      severity: 'error',
      stream: 'both',
      cooldown_seconds,
      workload_id: null,
    },
    captures: {},
  };
}

describe('ScanEngine', () => {
  it('silences a rule in a container for its cooldown and reports what it suppressed', () => {
    const engine = new ScanEngine({ ratePerSecond: 100, burst: 100 });
    const m = match(1, 10);
    expect(engine.scan('c1', 5, false, [m], 0)).toHaveLength(1);
    expect(engine.scan('c1', 5, false, [m], 1000)).toEqual([]);
    expect(engine.scan('c1', 5, false, [m], 2000)).toEqual([]);
    // Another container has its own cooldown.
    expect(engine.scan('c2', 5, false, [m], 2000)).toHaveLength(1);
    const after = engine.scan('c1', 5, false, [m], 10_000);
    expect(after).toHaveLength(1);
    expect(after[0]!.suppressed).toBe(2);
    expect(engine.counters).toMatchObject({
      lines_scanned: 5,
      bytes_scanned: 25,
      hits: 3,
      cooldown_drops: 2,
    });
  });

  it('limits hits per container with a token bucket', () => {
    const engine = new ScanEngine({ ratePerSecond: 1, burst: 3 });
    const hits = Array.from(
      { length: 5 },
      (_, i) => engine.scan('c', 1, false, [match(i, 0)], 0).length,
    );
    expect(hits).toEqual([1, 1, 1, 0, 0]);
    expect(engine.counters.rate_drops).toBe(2);
    // One second refills one token.
    expect(engine.scan('c', 1, false, [match(9, 0)], 1000)).toHaveLength(1);
  });

  it('cooldown 0 lets every match through; forget drops the container state', () => {
    const engine = new ScanEngine({ ratePerSecond: 1, burst: 1 });
    expect(engine.scan('c', 1, true, [match(1, 0)], 0)).toHaveLength(1);
    expect(engine.scan('c', 1, false, [match(1, 0)], 0)).toHaveLength(0);
    engine.forget('c');
    expect(engine.trackedContainers).toBe(0);
    expect(engine.scan('c', 1, false, [match(1, 0)], 0)).toHaveLength(1);
    expect(engine.counters.truncated_lines).toBe(1);
  });
});
