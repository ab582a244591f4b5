import type { EventSource, Severity } from '../events/model.js';

export const INCIDENT_STATES = ['open', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** Why an incident was resolved: nothing came for its quiet period, or an event cleared it. */
export const RESOLVE_REASONS = ['quiet', 'cleared'] as const;
export type ResolveReason = (typeof RESOLVE_REASONS)[number];

/** A page of incidents: how many one read returns by default and at most. */
export const DEFAULT_INCIDENT_PAGE = 100;
export const MAX_INCIDENT_PAGE = 500;

/** How long a quiet period may be configured (rule field, config default): a week. */
export const MAX_RESOLVE_AFTER_SECONDS = 604_800;

/** One row of `incidents`. Times are milliseconds since the epoch. */
export interface Incident {
  id: number;
  /** What makes events belong together: see incidentKeyOf. */
  key: string;
  state: IncidentState;
  /** The source of its first event. */
  source: EventSource;
  /** The worst severity among its events. */
  severity: Severity;
  rule_id: number | null;
  container_id: string | null;
  workload_id: string | null;
  /** The host of the event that opened it; null: this process's own engine. */
  host_id: string | null;
  /** How many events it holds (the one that resolved it not included). */
  count: number;
  first_seen: number;
  last_seen: number;
  first_event_id: number;
  last_event_id: number;
  /** The latest event's message. */
  last_message: string;
  /** Quiet for this long, it resolves (fixed when it opened). */
  resolve_after_seconds: number;
  /** last_seen + resolve_after: when the sweep resolves it if nothing comes. */
  quiet_at: number;
  resolved_at: number | null;
  resolve_reason: ResolveReason | null;
  /** The event that cleared it (healthy again, the line is back); null otherwise. */
  resolved_by_event_id: number | null;
}

/**
 * What an event did to its incident: opened one, joined the open one, resolved it, or
 * (`unmatched`) said "resolved" when nothing with its key was open.
 */
export type IncidentTransition = 'opened' | 'joined' | 'resolved' | 'unmatched';

export interface IncidentStep {
  transition: IncidentTransition;
  /** The incident after the event; null for `unmatched`. */
  incident: Incident | null;
}

/** What the incident key of an event says: the key, and whether it resolves instead. */
export interface IncidentKey {
  key: string;
  resolves: boolean;
}

/** The fields incidentKeyOf reads. */
export interface KeyedEvent {
  source: EventSource;
  metadata: Record<string, unknown>;
  container_id: string | null;
  rule_id: number | null;
}

/** Docker lifecycle kinds and the key prefix they share (a restart loop is one crash). */
const LIFECYCLE_PREFIX: Record<string, string> = {
  crash: 'crash',
  restart_loop: 'crash',
  oom: 'oom',
  unhealthy: 'unhealthy',
  missing: 'missing',
};

/**
 * The incident key of an event, or null when it forms none (system events).
 * - a rule hit: `rule:<rule_id>:<group>`, the group being `metadata.group_key` when
 *   set (count and absence conditions), else `container:<container_id>`;
 * - a lifecycle event: `crash:<id>` (crash and restart_loop), `oom:<id>`,
 *   `unhealthy:<id>`, `missing:<id>`; `recovered` resolves `unhealthy:<id>`;
 * - `metadata.resolves === true` resolves the open incident with the key instead.
 */
export function incidentKeyOf(event: KeyedEvent): IncidentKey | null {
  const resolves = event.metadata.resolves === true;
  if (event.source === 'logscan') {
    const ruleId = event.rule_id ?? numberOr(event.metadata.rule_id);
    if (ruleId === null) return null;
    const groupKey = event.metadata.group_key;
    const group =
      typeof groupKey === 'string' && groupKey !== ''
        ? groupKey
        : event.container_id
          ? `container:${event.container_id}`
          : null;
    if (group === null) return null;
    return { key: `rule:${ruleId}:${group}`, resolves };
  }
  if (event.source === 'docker') {
    const id = event.container_id;
    const kind = event.metadata.kind;
    if (!id || typeof kind !== 'string') return null;
    if (kind === 'recovered') return { key: `unhealthy:${id}`, resolves: true };
    const prefix = LIFECYCLE_PREFIX[kind];
    return prefix ? { key: `${prefix}:${id}`, resolves } : null;
  }
  return null;
}

function numberOr(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}
