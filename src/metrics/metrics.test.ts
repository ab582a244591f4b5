import { describe, expect, it } from 'vitest';
import { parseMetrics, sampleValue } from '../../test/support/prometheus.js';
import { MAX_HOST_SERIES, Metrics } from './metrics.js';

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

  it('has fleet metrics only once a fleet is observed, read fresh at each scrape, one series per host', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const fleetFamilies = async () =>
      parseMetrics(await metrics.render()).filter((f) => f.name.startsWith('logwarden_fleet_'));
    expect(await fleetFamilies()).toEqual([]);

    const counters = { handled: 7, invalid: 1, retried: 3, orphanContexts: 2, containerClashes: 4 };
    let hosts = [
      { id: 'alpha', connected: true, last_seen_at: 1_700_000_000_000, rule_revision: 5 },
      { id: 'bravo', connected: false, last_seen_at: 1_699_999_000_000, rule_revision: null },
    ];
    metrics.observeFleet({ counters: () => counters, hosts: async () => hosts });
    let families = await fleetFamilies();
    expect(sampleValue(families, 'logwarden_fleet_messages_total', { outcome: 'handled' })).toBe(7);
    expect(sampleValue(families, 'logwarden_fleet_messages_total', { outcome: 'invalid' })).toBe(1);
    expect(sampleValue(families, 'logwarden_fleet_messages_total', { outcome: 'retried' })).toBe(3);
    expect(sampleValue(families, 'logwarden_fleet_contexts_dropped_total')).toBe(2);
    expect(sampleValue(families, 'logwarden_fleet_container_clashes_total')).toBe(4);
    expect(sampleValue(families, 'logwarden_fleet_host_connected', { host: 'alpha' })).toBe(1);
    expect(sampleValue(families, 'logwarden_fleet_host_connected', { host: 'bravo' })).toBe(0);
    expect(
      sampleValue(families, 'logwarden_fleet_host_last_seen_timestamp_seconds', { host: 'alpha' }),
    ).toBe(1_700_000_000);
    expect(sampleValue(families, 'logwarden_fleet_host_rule_revision', { host: 'alpha' })).toBe(5);
    expect(sampleValue(families, 'logwarden_fleet_host_rule_revision', { host: 'bravo' })).toBe(0);

    // A host gone from the table is gone from the next scrape; counters move with the consumer.
    hosts = hosts.slice(0, 1);
    counters.handled = 9;
    families = await fleetFamilies();
    expect(
      sampleValue(families, 'logwarden_fleet_host_connected', { host: 'bravo' }),
    ).toBeUndefined();
    expect(sampleValue(families, 'logwarden_fleet_messages_total', { outcome: 'handled' })).toBe(9);
  });

  it('caps the host series at MAX_HOST_SERIES', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const hosts = Array.from({ length: MAX_HOST_SERIES + 20 }, (_, i) => ({
      id: `h${i}`,
      connected: true,
      last_seen_at: 0,
      rule_revision: 1,
    }));
    metrics.observeFleet({
      counters: () => ({
        handled: 0,
        invalid: 0,
        retried: 0,
        orphanContexts: 0,
        containerClashes: 0,
      }),
      hosts: async () => hosts,
    });
    const family = parseMetrics(await metrics.render()).find(
      (f) => f.name === 'logwarden_fleet_host_connected',
    );
    expect(family?.metrics).toHaveLength(MAX_HOST_SERIES);
  });
});
