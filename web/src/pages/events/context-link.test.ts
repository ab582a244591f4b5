import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../api/types';
import { contextPath } from './context-link';

const event = (over: Partial<LogEvent>): LogEvent => ({
  id: 1,
  created_at: '2026-12-01T10:00:05.000Z',
  source: 'logscan',
  severity: 'error',
  message: 'm',
  metadata: {},
  workload_id: null,
  container_id: 'c0ffee',
  rule_id: 3,
  incident_id: null,
  silenced_by: null,
  host_id: null,
  ...over,
});

const query = (path: string | null) => Object.fromEntries(new URL(path!, 'http://x').searchParams);

describe('see in context', () => {
  it("opens a rule hit's container log at the hit line, on its stream", () => {
    const path = contextPath(
      event({ metadata: { line_ts: '2026-12-01T10:00:04.123456789Z', stream: 'stderr' } }),
    );
    expect(path).toMatch(/^\/containers\/c0ffee\?/);
    expect(query(path)).toEqual({ at: '2026-12-01T10:00:04.123456789Z', stream: 'stderr' });
  });

  it('opens a crash at the last lines before the exit, else before the event was recorded', () => {
    const crash = event({
      source: 'docker',
      rule_id: null,
      metadata: { kind: 'crash', finished_at: '2026-12-01T10:00:04.500Z' },
    });
    expect(query(contextPath(crash))).toEqual({ until: '2026-12-01T10:00:04.500Z' });
    const oom = event({ source: 'docker', rule_id: null, metadata: { kind: 'oom' } });
    expect(query(contextPath(oom))).toEqual({ until: '2026-12-01T10:00:05.000Z' });
  });

  it('has no link without a container, a line time, or for a container gone', () => {
    expect(contextPath(event({ container_id: null, metadata: { line_ts: 't' } }))).toBeNull();
    expect(contextPath(event({ metadata: {} }))).toBeNull();
    expect(contextPath(event({ source: 'docker', metadata: { kind: 'missing' } }))).toBeNull();
    expect(contextPath(event({ source: 'system', metadata: {} }))).toBeNull();
  });
});
