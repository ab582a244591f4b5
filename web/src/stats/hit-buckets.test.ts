import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../api/types';
import { bucketHits, HOUR_MS } from './hit-buckets';

const NOW = Date.UTC(2026, 0, 2, 12, 0, 0);
function hit(ageMs: number, container: string | null, rule: number | null): LogEvent {
  return {
    id: 1,
    created_at: new Date(NOW - ageMs).toISOString(),
    source: 'logscan',
    severity: 'warn',
    message: 'x',
    metadata: {},
    workload_id: null,
    container_id: container,
    rule_id: rule,
    incident_id: null,
    silenced_by: null,
    host_id: null,
  };
}

describe('hit buckets', () => {
  it('counts hits per container per hour, the newest hour last', () => {
    const b = bucketHits(
      [
        hit(1000, 'a', 1),
        hit(HOUR_MS - 1, 'a', 1),
        hit(HOUR_MS + 1, 'a', 2),
        hit(23.5 * HOUR_MS, 'b', 2),
      ],
      NOW,
    );
    const a = b.byContainer.get('a')!;
    expect(a[23]).toBe(2);
    expect(a[22]).toBe(1);
    expect(b.byContainer.get('b')![0]).toBe(1);
    expect(b.lastHour.get('a')).toBe(2);
    expect(b.lastHour.get('b')).toBeUndefined();
    expect(b.byRule.get(1)).toBe(2);
    expect(b.byRule.get(2)).toBe(2);
    expect(b.total).toBe(4);
  });

  it('ignores events outside the last day and those from the future', () => {
    const b = bucketHits([hit(24 * HOUR_MS, 'a', 1), hit(-5000, 'a', 1), hit(0, null, 3)], NOW);
    expect(b.total).toBe(1);
    expect(b.byContainer.size).toBe(0);
    expect(b.byRule.get(3)).toBe(1);
  });
});
