import type { StoredEvent } from '../../src/events/index.js';
import type { ContainerRecord } from '../../src/inventory/index.js';

/**
 * Builders of the domain records tests need, with neutral defaults: a test states only
 * the fields it is about, and a new field of a model is added here once.
 */

/** A recorded rule hit (a `logscan` error) unless `over` says otherwise. */
export function storedEvent(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: 1,
    created_at: 1_700_000_000_000,
    source: 'logscan',
    severity: 'error',
    message: `line ${over.id ?? 1}`,
    metadata: {},
    workload_id: null,
    container_id: null,
    rule_id: null,
    incident_id: null,
    silenced_by: null,
    context: null,
    host_id: null,
    msg_id: null,
    ...over,
  };
}

/** A running container of the index, named after its id unless `over` says otherwise. */
export function containerRecord(id: string, over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id,
    name: id,
    image: 'busybox',
    workload_id: null,
    compose_service: null,
    labels: {},
    state: 'running',
    exit_code: null,
    health: null,
    restart_count: 0,
    started_at: 0,
    finished_at: null,
    last_seen_at: 0,
    logs_available: true,
    tty: false,
    ...over,
  };
}
