import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The scanner's cumulative counters (ScanEngine.counters) and its live tails. */
export interface ScannerReadings {
  counters(): {
    lines_scanned: number;
    bytes_scanned: number;
    hits: number;
    cooldown_drops: number;
    rate_drops: number;
    truncated_lines: number;
    corrupt_streams: number;
    reconnects: number;
    lines_possibly_lost: number;
    repeated_lines: number;
    unreadable_containers: number;
    stalls: number;
    lines_recovered: number;
    condition_keys_dropped?: number;
  };
  activeTails(): number;
}

/** The live stream's broadcaster. */
export interface StreamReadings {
  stats(): { published: number; dropped: number; subscribers: number };
}

/** The operations journal. */
export interface JournalReadings {
  counters(): { recorded: number; write_failures: number };
}

export interface StoreReadings {
  writable(): boolean;
  /** Failed writes since start, by reason (locked, disk full, unreachable…). */
  writeFailures(): Record<string, number>;
}

/** Many hosts (serve with NATS): what this replica's consumer did, what agents reported. */
export interface FleetReadings {
  counters(): {
    handled: number;
    invalid: number;
    retried: number;
    orphanContexts: number;
    containerClashes: number;
  };
  hosts(): Promise<
    readonly {
      id: string;
      connected: boolean;
      last_seen_at: number;
      rule_revision: number | null;
    }[]
  >;
}

/** Host series per metric, at most: a label per host, so a runaway host table is capped. */
export const MAX_HOST_SERIES = 500;

export interface MetricsOptions {
  /** Process and Node.js metrics (CPU, memory, event-loop lag, GC); on by default. */
  defaultMetrics?: boolean;
  version?: string;
}

/** prom-client default gauges whose `_total` name Prometheus reserves for counters. */
export const RENAMED_DEFAULT_GAUGES: Readonly<Record<string, string>> = {
  nodejs_active_handles_total: 'nodejs_active_handles_all',
  nodejs_active_requests_total: 'nodejs_active_requests_all',
  nodejs_active_resources_total: 'nodejs_active_resources_all',
};

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Logwarden's Prometheus metrics, in a registry of its own. Hot paths are never touched
 * for them: counters the domains already keep are read when Prometheus scrapes; only
 * events, deliveries and HTTP requests are counted as they happen.
 */
export class Metrics {
  readonly registry = new Registry();
  private scanner: ScannerReadings | null = null;
  private stream: StreamReadings | null = null;
  private journal: JournalReadings | null = null;
  private store: StoreReadings | null = null;
  private readonly events: Counter<'source' | 'severity'>;
  private readonly deliveries: Counter<'channel' | 'outcome'>;
  private readonly deliverySeconds: Histogram<'channel'>;
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status_code'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) this.registerDefaultMetrics();
    const build = new Gauge({
      name: 'logwarden_build_info',
      help: 'Always 1; the version is a label.',
      labelNames: ['version'],
      registers,
    });
    build.set({ version: options.version ?? 'unknown' }, 1);

    const scanner = () => this.scanner?.counters();
    this.readCounter(
      'logwarden_scanner_lines_total',
      'Log lines scanned.',
      () => scanner()?.lines_scanned,
    );
    this.readCounter(
      'logwarden_scanner_bytes_total',
      'Bytes of log lines scanned.',
      () => scanner()?.bytes_scanned,
    );
    this.readCounter(
      'logwarden_scanner_hits_total',
      'Rule matches that became events.',
      () => scanner()?.hits,
    );
    this.readCounter(
      'logwarden_scanner_truncated_lines_total',
      'Lines longer than 1 MiB, cut.',
      () => scanner()?.truncated_lines,
    );
    this.readCounter(
      'logwarden_scanner_corrupt_streams_total',
      'Log streams dropped for a corrupt frame header.',
      () => scanner()?.corrupt_streams,
    );
    this.readCounter(
      'logwarden_scanner_reconnects_total',
      'Tail connections made after the first.',
      () => scanner()?.reconnects,
    );
    this.readCounter(
      'logwarden_scanner_lines_possibly_lost_total',
      'Estimated log lines Docker rotated away before a tail read them.',
      () => scanner()?.lines_possibly_lost,
    );
    this.readCounter(
      'logwarden_scanner_repeated_lines_total',
      'Log lines Docker sent twice in one connection, skipped.',
      () => scanner()?.repeated_lines,
    );
    this.readCounter(
      'logwarden_scanner_unreadable_containers_total',
      'Containers whose log could not be read (log driver, resume cursors unreadable).',
      () => scanner()?.unreadable_containers,
    );
    this.readCounter(
      'logwarden_scanner_lines_recovered_total',
      "Log lines Docker's follower skipped (rotated files) that were read again.",
      () => scanner()?.lines_recovered,
    );
    this.readCounter(
      'logwarden_scanner_stalls_total',
      'Tails found silent while Docker had newer lines, and re-attached.',
      () => scanner()?.stalls,
    );
    new Counter({
      name: 'logwarden_scanner_drops_total',
      help: 'Rule matches dropped before becoming events, by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        const c = scanner();
        this.reset();
        this.inc({ reason: 'cooldown' }, c?.cooldown_drops ?? 0);
        this.inc({ reason: 'rate_limit' }, c?.rate_drops ?? 0);
        this.inc({ reason: 'condition_keys' }, c?.condition_keys_dropped ?? 0);
      },
    });
    this.readGauge('logwarden_scanner_active_tails', 'Containers whose log is followed.', () =>
      this.scanner?.activeTails(),
    );

    this.events = new Counter({
      name: 'logwarden_events_recorded_total',
      help: 'Events recorded in the event log.',
      labelNames: ['source', 'severity'],
      registers,
    });

    this.readGauge(
      'logwarden_stream_subscribers',
      'Live stream (SSE) subscribers.',
      () => this.stream?.stats().subscribers,
    );
    this.readCounter(
      'logwarden_stream_published_total',
      'Events published to the live stream.',
      () => this.stream?.stats().published,
    );
    this.readCounter(
      'logwarden_stream_dropped_total',
      'Events a live stream subscriber did not get because its queue was full.',
      () => this.stream?.stats().dropped,
    );

    this.deliveries = new Counter({
      name: 'logwarden_deliveries_total',
      help: 'Notification deliveries, by channel and outcome.',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'logwarden_delivery_duration_seconds',
      help: 'Time a notification delivery took.',
      labelNames: ['channel'],
      buckets: DELIVERY_BUCKETS,
      registers,
    });

    this.httpSeconds = new Histogram({
      name: 'logwarden_http_request_duration_seconds',
      help: 'HTTP API request durations (live streams excluded).',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });

    this.readCounter(
      'logwarden_journal_records_total',
      'Operations recorded in the journal by this process.',
      () => this.journal?.counters().recorded,
    );
    this.readCounter(
      'logwarden_journal_write_failures_total',
      'Operations the journal could not append to its file.',
      () => this.journal?.counters().write_failures,
    );

    const store = () => this.store;
    this.readGauge(
      'logwarden_store_writable',
      '1 while the database takes writes, 0 while it does not (see /readyz for why).',
      () => ((this.store?.writable() ?? true) ? 1 : 0),
    );
    new Counter({
      name: 'logwarden_store_write_failures_total',
      help: 'Database calls that failed for a store reason (locked, disk full, read-only, io error, unreachable).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(store()?.writeFailures() ?? {}))
          this.inc({ reason }, n);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  observeScanner(source: ScannerReadings): void {
    this.scanner = source;
  }

  observeStore(source: StoreReadings): void {
    this.store = source;
  }

  observeStream(source: StreamReadings): void {
    this.stream = source;
  }

  observeJournal(source: JournalReadings): void {
    this.journal = source;
  }

  /** Registers the fleet's metrics: a single-host process has none. */
  observeFleet(fleet: FleetReadings): void {
    const registers = [this.registry];
    new Counter({
      name: 'logwarden_fleet_messages_total',
      help: 'Agent messages this replica took from the stream, by outcome: handled (committed, acked), invalid (terminated), retried (given back after a failed commit).',
      labelNames: ['outcome'],
      registers,
      collect() {
        const c = fleet.counters();
        this.reset();
        this.inc({ outcome: 'handled' }, c.handled);
        this.inc({ outcome: 'invalid' }, c.invalid);
        this.inc({ outcome: 'retried' }, c.retried);
      },
    });
    this.readCounter(
      'logwarden_fleet_contexts_dropped_total',
      'Context lines given up: the hit they belong to was never found.',
      () => fleet.counters().orphanContexts,
    );
    this.readCounter(
      'logwarden_fleet_container_clashes_total',
      "Container records refused: the id is already another host's.",
      () => fleet.counters().containerClashes,
    );
    const perHost = (
      name: string,
      help: string,
      value: (host: Awaited<ReturnType<FleetReadings['hosts']>>[number]) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['host'],
        registers,
        async collect() {
          const hosts = await fleet.hosts();
          this.reset();
          for (const host of hosts.slice(0, MAX_HOST_SERIES))
            this.set({ host: host.id }, value(host));
        },
      });
    perHost(
      'logwarden_fleet_host_connected',
      '1 while the host’s agent reports, 0 once it has been silent for fleet.host_silent_after_seconds.',
      (h) => (h.connected ? 1 : 0),
    );
    perHost(
      'logwarden_fleet_host_last_seen_timestamp_seconds',
      'When the host’s agent last reported (Unix time).',
      (h) => h.last_seen_at / 1000,
    );
    perHost(
      'logwarden_fleet_host_rule_revision',
      'The rule set revision the host’s agent runs (0: none yet).',
      (h) => h.rule_revision ?? 0,
    );
  }

  eventRecorded(source: string, severity: string): void {
    this.events.inc({ source, severity });
  }

  deliveryFinished(channel: string, outcome: string, seconds: number): void {
    this.deliveries.inc({ channel, outcome });
    this.deliverySeconds.observe({ channel }, seconds);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpSeconds.observe({ method, route, status_code: String(status) }, seconds);
  }

  /**
   * prom-client's process and Node.js metrics, except that its three gauges named like
   * counters (`nodejs_active_handles_total`…) are served under names Prometheus's linter
   * accepts (`promtool check metrics` exits 3 on a `_total` gauge).
   */
  private registerDefaultMetrics(): void {
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
    for (const { name, help } of defaults.getMetricsAsArray()) {
      const metric = defaults.getSingleMetric(name)!;
      const renamed = RENAMED_DEFAULT_GAUGES[name];
      if (!renamed) {
        this.registry.registerMetric(metric);
        continue;
      }
      new Gauge({
        name: renamed,
        help,
        registers: [this.registry],
        async collect() {
          const { values } = await metric.get();
          this.reset();
          for (const v of values) this.set(v.labels, v.value);
        },
      });
    }
  }

  /** A counter whose value is read from elsewhere at scrape time. */
  private readCounter(name: string, help: string, read: () => number | undefined): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read() ?? 0);
      },
    });
  }

  private readGauge(name: string, help: string, read: () => number | undefined): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read() ?? 0);
      },
    });
  }
}
