import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../events/index.js';
import { compileFilter } from './filter.js';
import { storedEvent } from '../../test/support/fixtures.js';

const base: StoredEvent = storedEvent({
  created_at: 0,
  message: 'Disk FULL on /var',
  workload_id: 'shop',
  container_id: 'c1',
  rule_id: 7,
});

describe('compileFilter', () => {
  it('matches everything when empty and ANDs the fields that are set', () => {
    expect(compileFilter({})(base)).toBe(true);
    expect(compileFilter({ sources: [] })(base)).toBe(true);
    const cases: [Parameters<typeof compileFilter>[0], boolean][] = [
      [{ min_severity: 'error' }, true],
      [{ min_severity: 'critical' }, false],
      [{ sources: ['docker', 'logscan'] }, true],
      [{ sources: ['docker'] }, false],
      [{ workload_id: 'shop', container_id: 'c1', rule_id: 7 }, true],
      [{ workload_id: 'shop', rule_id: 8 }, false],
      [{ text: 'disk full' }, true],
      [{ text: 'disk full', container_id: 'c2' }, false],
      [{ text: '%' }, false],
    ];
    for (const [filter, expected] of cases)
      expect(compileFilter(filter)(base), JSON.stringify(filter)).toBe(expected);
  });
});
