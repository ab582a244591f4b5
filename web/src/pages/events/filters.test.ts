import { describe, expect, it } from 'vitest';
import {
  filterFromParams,
  filterKey,
  fromLocalInput,
  paramsFromFilter,
  toLocalInput,
} from './filters';

describe('event filters in the URL', () => {
  it('round-trips every filter through the query string', () => {
    const filter = {
      severity: 'error' as const,
      source: 'logscan' as const,
      workload: 'shop',
      container: 'abc',
      rule: '7',
      host: 'web-1',
      q: 'disk full',
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-01-02T00:00:00.000Z',
    };
    const params = paramsFromFilter(filter);
    expect(params.get('q')).toBe('disk full');
    expect(filterFromParams(new URLSearchParams(params.toString()))).toEqual(filter);
  });

  it('drops unknown values (a rule by name, not id) and empty parameters', () => {
    const filter = filterFromParams(
      new URLSearchParams('severity=loud&source=ftp&rule=panics&q=&workload=%20&colour=red'),
    );
    expect(filter).toEqual({});
    expect(filterKey(filter)).toBe('');
  });

  it('converts between datetime-local values and ISO times', () => {
    const iso = fromLocalInput('2026-03-04T05:06');
    expect(iso).toBe(new Date(2026, 2, 4, 5, 6).toISOString());
    expect(toLocalInput(iso)).toBe('2026-03-04T05:06');
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput('nonsense')).toBe('');
  });
});
