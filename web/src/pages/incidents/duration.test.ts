import { describe, expect, it } from 'vitest';
import { formatDuration, incidentKind } from './duration';

describe('incident display', () => {
  it('says how long in the two largest units', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(75)).toBe('1m 15s');
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(3720)).toBe('1h 2m');
    expect(formatDuration(90_000)).toBe('1d 1h');
  });

  it('names the kind of an incident from its key', () => {
    expect(incidentKind('crash:c0ffee')).toBe('crash');
    expect(incidentKind('rule:4:container:c0ffee')).toBe('rule 4');
    expect(incidentKind('unhealthy:c0ffee')).toBe('unhealthy');
  });
});
