import type { EventContext, EventSource, Severity, StoredEvent } from '../../events/model.js';
import type { DeliveryIncident, DeliveryTransition, Trigger } from '../model.js';
import { groupBody, groupTitle, type PayloadGroup } from './group.js';

export interface PayloadEvent {
  id: number;
  source: EventSource;
  severity: Severity;
  message: string;
  metadata: Record<string, unknown>;
  created_at: string;
  workload: { id: string; name: string | null } | null;
  container: { id: string; name: string | null } | null;
  /** A rule hit's lines around it, oldest first (as stored when the delivery goes); else null. */
  context: EventContext | null;
}

/** The incident a notification is about, as it stood when it was sent. */
export interface PayloadIncident {
  id: number;
  key: string;
  state: 'open' | 'resolved';
  /** Events so far (the one that cleared it not included). */
  count: number;
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  /** quiet (nothing came for its resolve_after) or cleared (healthy again, the line is back). */
  resolve_reason: string | null;
  /** first seen → resolved (or → now while open), in whole seconds. */
  duration_seconds: number;
  /** The latest event's message. */
  last_message: string;
}

/**
 * What every channel is handed, and the generic webhook's JSON body. `type` says what
 * happened: `event.recorded` (a trigger notifying every event), or an incident
 * `incident.opened` / `incident.reminder` / `incident.resolved`; `transition` says the
 * same in one word. `event` is the event it refers to (for a resolved or reminder
 * notice, the incident's latest event).
 */
export interface DeliveryPayload {
  type: 'event.recorded' | 'incident.opened' | 'incident.reminder' | 'incident.resolved';
  transition: DeliveryTransition;
  /** True only for POST /api/triggers/:id/test. */
  test: boolean;
  trigger: { id: number; name: string };
  event: PayloadEvent;
  /** A grouped trigger's batch (`event` is its first); absent when one event is sent. */
  group?: PayloadGroup;
  /** The event's incident; null when it has none (a system event). */
  incident: PayloadIncident | null;
  sent_at: string;
}

/** The names a template path may start with. */
export const TEMPLATE_ROOTS = [
  'type',
  'transition',
  'test',
  'trigger',
  'event',
  'incident',
  'group',
  'sent_at',
] as const;

function payloadIncident(incident: DeliveryIncident, sentAt: number): PayloadIncident {
  const end = incident.resolved_at ?? sentAt;
  return {
    id: incident.id,
    key: incident.key,
    state: incident.state,
    count: incident.count,
    first_seen: new Date(incident.first_seen).toISOString(),
    last_seen: new Date(incident.last_seen).toISOString(),
    resolved_at:
      incident.resolved_at === null ? null : new Date(incident.resolved_at).toISOString(),
    resolve_reason: incident.resolve_reason,
    duration_seconds: Math.max(0, Math.round((end - incident.first_seen) / 1000)),
    last_message: incident.last_message,
  };
}

/** Where the names of containers and workloads come from (the inventory). */
export interface NameDirectory {
  containerName(id: string): Promise<string | null>;
  workloadName(id: string): Promise<string | null>;
}

export const NO_NAMES: NameDirectory = {
  containerName: async () => null,
  workloadName: async () => null,
};

async function nameOr(lookup: () => Promise<string | null>): Promise<string | null> {
  try {
    return await lookup();
  } catch {
    // A name is a courtesy; the notification goes out without it.
    return null;
  }
}

export async function buildPayload(
  trigger: Pick<Trigger, 'id' | 'name'>,
  event: StoredEvent,
  names: NameDirectory,
  sentAt: number,
  test = false,
  notice: { transition: DeliveryTransition; incident: DeliveryIncident | null } = {
    transition: 'event',
    incident: null,
  },
): Promise<DeliveryPayload> {
  const metaName = typeof event.metadata.name === 'string' ? event.metadata.name : null;
  const container = event.container_id
    ? {
        id: event.container_id,
        name: metaName ?? (await nameOr(() => names.containerName(event.container_id!))),
      }
    : null;
  const workload = event.workload_id
    ? { id: event.workload_id, name: await nameOr(() => names.workloadName(event.workload_id!)) }
    : null;
  return {
    type: notice.transition === 'event' ? 'event.recorded' : `incident.${notice.transition}`,
    transition: notice.transition,
    test,
    trigger: { id: trigger.id, name: trigger.name },
    event: {
      id: event.id,
      source: event.source,
      severity: event.severity,
      message: event.message,
      metadata: event.metadata,
      created_at: new Date(event.created_at).toISOString(),
      workload,
      container,
      context: event.context ?? null,
    },
    incident: notice.incident ? payloadIncident(notice.incident, sentAt) : null,
    sent_at: new Date(sentAt).toISOString(),
  };
}

/** The made-up event a test send carries. */
export function testEvent(trigger: Pick<Trigger, 'name'>, now: number): StoredEvent {
  return {
    id: 0,
    created_at: now,
    source: 'system',
    severity: 'info',
    message: `Test notification from Logwarden for trigger "${trigger.name}"`,
    metadata: {},
    workload_id: null,
    container_id: null,
    rule_id: null,
    incident_id: null,
    silenced_by: null,
    context: null,
    host_id: null,
    msg_id: null,
  };
}

/**
 * A payload with every field filled, and characters that need escaping, to check on
 * save that a JSON body template renders valid JSON.
 */
export function samplePayload(): DeliveryPayload {
  return {
    type: 'event.recorded',
    transition: 'event',
    test: true,
    trigger: { id: 1, name: 'sample "trigger"' },
    event: {
      id: 1,
      source: 'logscan',
      severity: 'error',
      message: 'a "quoted" line\\ with\ttabs\nand </script> & more',
      metadata: { rule_name: 'r', captures: { code: '42' } },
      created_at: new Date(0).toISOString(),
      workload: { id: 'shop', name: 'Shop' },
      container: { id: 'c0ffee', name: 'web-1' },
      context: { before: ['a "line" before'], after: ['\tat x.Y(Y.java:1)'] },
    },
    incident: {
      id: 1,
      key: 'rule:1:container:c0ffee',
      state: 'resolved',
      count: 12,
      first_seen: new Date(0).toISOString(),
      last_seen: new Date(0).toISOString(),
      resolved_at: new Date(0).toISOString(),
      resolve_reason: 'quiet',
      duration_seconds: 300,
      last_message: 'a "quoted" line </script> & more',
    },
    sent_at: new Date(0).toISOString(),
  };
}

/** 75 s → "1m 15s"; 3720 s → "1h 2m". */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s > 0 ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}

const TITLE_PREFIX: Record<DeliveryTransition, string> = {
  event: '',
  opened: 'opened: ',
  reminder: 'still open: ',
  resolved: 'resolved: ',
};

/** The title when a channel has no title template. */
export function defaultTitle(payload: DeliveryPayload): string {
  if (payload.group) return groupTitle(payload, payload.group);
  const test = payload.test ? ' (test)' : '';
  const severity = payload.transition === 'resolved' ? 'resolved' : payload.event.severity;
  return `[${severity}] ${TITLE_PREFIX[payload.transition]}${payload.trigger.name}${test}`;
}

/** The incident in one line: how many events, since when, and (resolved) how long. */
export function incidentLine(payload: DeliveryPayload): string | null {
  const i = payload.incident;
  if (!i) return null;
  const events = `${i.count} event${i.count === 1 ? '' : 's'}`;
  if (i.state === 'resolved')
    return `incident #${i.id} resolved (${i.resolve_reason ?? 'quiet'}) after ${formatDuration(i.duration_seconds)}: ${events}, first ${i.first_seen}, last ${i.last_seen}`;
  return `incident #${i.id} open for ${formatDuration(i.duration_seconds)}: ${events}, first ${i.first_seen}, last ${i.last_seen}`;
}

/** The marker that ends a context cut to a channel's size limit. */
export const contextCutMarker = (lines: number) =>
  `… ${lines} more line${lines === 1 ? '' : 's'} of context cut (size limit)`;

/**
 * A rule hit's lines around it, for text channels: the lines before, the hit's line
 * marked `>`, the lines after; null when the event has none.
 */
export function contextLines(payload: DeliveryPayload): string[] | null {
  const context = payload.event.context;
  if (!context || (context.before.length === 0 && context.after.length === 0)) return null;
  return [
    '',
    'Lines around the hit:',
    ...context.before.map((l) => `  ${l}`),
    `> ${payload.event.message}`,
    ...context.after.map((l) => `  ${l}`),
  ];
}

/** The body when a channel has no body template: the message, then where it came from. */
export function defaultBody(payload: DeliveryPayload): string {
  if (payload.group) return groupBody(payload.group);
  const e = payload.event;
  const lines = [e.message];
  if (e.container) lines.push(`container: ${e.container.name ?? e.container.id.slice(0, 12)}`);
  if (e.workload) lines.push(`workload: ${e.workload.name ?? e.workload.id}`);
  lines.push(`source: ${e.source} · ${e.created_at}`);
  const incident = incidentLine(payload);
  if (incident) lines.push(incident);
  return lines.join('\n');
}
