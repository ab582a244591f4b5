import { severityRank, type EventFilter, type StoredEvent } from '../events/index.js';

/**
 * What a live subscriber wants: the event log's filter without the time range, so a
 * resuming client reads the database with exactly the filter it gets live. Empty fields
 * match everything; the others AND together.
 */
export type StreamFilter = Pick<
  EventFilter,
  'sources' | 'min_severity' | 'workload_id' | 'container_id' | 'rule_id' | 'text' | 'hosts'
>;

export type EventPredicate = (event: StoredEvent) => boolean;

/** Builds the test once, so a publish does no per-subscriber parsing. */
export function compileFilter(filter: StreamFilter): EventPredicate {
  const sources = filter.sources?.length ? new Set<string>(filter.sources) : null;
  const minRank = filter.min_severity ? severityRank(filter.min_severity) : null;
  const { workload_id, container_id, rule_id } = filter;
  const text = filter.text ? filter.text.toLowerCase() : null;
  const hosts = filter.hosts?.length ? new Set(filter.hosts) : null;
  return (event) =>
    (sources === null || sources.has(event.source)) &&
    (minRank === null || severityRank(event.severity) >= minRank) &&
    (!workload_id || event.workload_id === workload_id) &&
    (!container_id || event.container_id === container_id) &&
    (rule_id === undefined || event.rule_id === rule_id) &&
    (text === null || event.message.toLowerCase().includes(text)) &&
    (hosts === null || hosts.has(event.host_id));
}
