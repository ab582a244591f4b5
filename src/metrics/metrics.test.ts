import { describe, expect, it } from 'vitest';
import { parseMetrics, sampleValue } from '../../test/support/prometheus.js';
import { Metrics } from './metrics.js';

describe('Metrics', () => {
  it('reads the domains’ counters at scrape time and exposes valid Prometheus text', async () => {
    const metrics = new Metrics({ version: '1.2.3' });
    const counters = {
      lines_scanned: 10,
      bytes_scanned: 400,
      hits: 2,
      cooldown_drops: 3,
      rate_drops: 1,
      truncated_lines: 0,
      corrupt_streams: 0,
      reconnects: 4,
      lines_possibly_lost: 11,
      repeated_lines: 1,
      unreadable_containers: 0,
      stalls: 2,
      lines_recovered: 0,
    };
    metrics.observeScanner({ counters: () => counters, activeTails: () => 5 });
    metrics.observeStream({ stats: () => ({ published: 7, dropped: 6, subscribers: 2 }) });
    metrics.observeJournal({ counters: () => ({ recorded: 9, write_failures: 0 }) });
    metrics.observeStore({
      writable: () => false,
      writeFailures: () => ({ locked: 0, 'disk full': 3 }),
    });
    metrics.eventRecorded('logscan', 'error');
    metrics.eventRecorded('logscan', 'error');
    metrics.deliveryFinished('webhook', 'success', 0.2);
    metrics.httpRequest('POST', '/api/rules', 201, 0.003);

    const first = parseMetrics(await metrics.render());
    expect(sampleValue(first, 'logwarden_scanner_lines_total')).toBe(10);
    expect(sampleValue(first, 'logwarden_scanner_drops_total', { reason: 'cooldown' })).toBe(3);
    expect(sampleValue(first, 'logwarden_scanner_drops_total', { reason: 'rate_limit' })).toBe(1);
    expect(sampleValue(first, 'logwarden_scanner_active_tails')).toBe(5);
    expect(sampleValue(first, 'logwarden_scanner_lines_possibly_lost_total')).toBe(11);
    expect(sampleValue(first, 'logwarden_scanner_repeated_lines_total')).toBe(1);
    expect(sampleValue(first, 'logwarden_scanner_stalls_total')).toBe(2);
    expect(
      sampleValue(first, 'logwarden_events_recorded_total', {
        source: 'logscan',
        severity: 'error',
      }),
    ).toBe(2);
    expect(sampleValue(first, 'logwarden_stream_subscribers')).toBe(2);
    expect(sampleValue(first, 'logwarden_store_writable')).toBe(0);
    expect(
      sampleValue(first, 'logwarden_store_write_failures_total', { reason: 'disk full' }),
    ).toBe(3);
    expect(sampleValue(first, 'logwarden_stream_dropped_total')).toBe(6);
    expect(sampleValue(first, 'logwarden_deliveries_total', { channel: 'webhook' })).toBe(1);
    // The parser folds a labelled histogram's series into one: check the family and its +Inf.
    for (const name of [
      'logwarden_delivery_duration_seconds',
      'logwarden_http_request_duration_seconds',
    ]) {
      const family = first.find((f) => f.name === name);
      expect(family?.type).toBe('HISTOGRAM');
      expect(family?.metrics[0]?.buckets?.['+Inf']).toBe('1');
    }
    expect(sampleValue(first, 'logwarden_build_info', { version: '1.2.3' })).toBe(1);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p50_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_eventloop_lag_max_seconds',
    ])
      expect(first.map((f) => f.name)).toContain(name);

    counters.lines_scanned = 25;
    counters.cooldown_drops = 8;
    const second = parseMetrics(await metrics.render());
    expect(sampleValue(second, 'logwarden_scanner_lines_total')).toBe(25);
    expect(sampleValue(second, 'logwarden_scanner_drops_total', { reason: 'cooldown' })).toBe(8);
  });

  it("serves prom-client's `_total` gauges under names for gauges", async () => {
    const families = parseMetrics(await new Metrics().render());
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'nodejs_active_handles_all',
        'nodejs_active_requests_all',
        'nodejs_active_resources_all',
      ]),
    );
    // Prometheus keeps `_total` for counters; promtool rejects anything else named so.
    const misnamed = families.filter((f) => f.name.endsWith('_total') && f.type !== 'COUNTER');
    expect(misnamed.map((f) => f.name)).toEqual([]);
  });

  it('reports zeros before any domain is observed', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const families = parseMetrics(await metrics.render());
    expect(sampleValue(families, 'logwarden_scanner_hits_total')).toBe(0);
    expect(sampleValue(families, 'logwarden_stream_subscribers')).toBe(0);
  });
});
