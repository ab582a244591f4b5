import type { EventContext, EventSource, Severity, StoredEvent } from '../../events/model.js';
import type { Trigger } from '../model.js';
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

/** What every channel is handed, and the generic webhook's JSON body. */
export interface DeliveryPayload {
  type: 'event.recorded';
  /** True only for POST /api/triggers/:id/test. */
  test: boolean;
  trigger: { id: number; name: string };
  event: PayloadEvent;
  /** A grouped trigger's batch (`event` is its first); absent when one event is sent. */
  group?: PayloadGroup;
  sent_at: string;
}

/** The names a template path may start with. */
export const TEMPLATE_ROOTS = ['type', 'test', 'trigger', 'event', 'group', 'sent_at'] as const;

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
    type: 'event.recorded',
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
    silenced_by: null,
    context: null,
  };
}

/**
 * A payload with every field filled, and characters that need escaping, to check on
 * save that a JSON body template renders valid JSON.
 */
export function samplePayload(): DeliveryPayload {
  return {
    type: 'event.recorded',
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
    sent_at: new Date(0).toISOString(),
  };
}

/** The title when a channel has no title template. */
export function defaultTitle(payload: DeliveryPayload): string {
  if (payload.group) return groupTitle(payload, payload.group);
  const test = payload.test ? ' (test)' : '';
  return `[${payload.event.severity}] ${payload.trigger.name}${test}`;
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
  return lines.join('\n');
}
