import type { StoredEvent } from '../../events/model.js';
import { severityRank } from '../../events/model.js';
import {
  MAX_GROUP_LISTED,
  type DeliveryIncident,
  type DeliveryTransition,
  type Trigger,
} from '../model.js';
import {
  buildPayload,
  type DeliveryPayload,
  type NameDirectory,
  type PayloadEvent,
} from './payload.js';

/** What a grouped notification carries besides its first event: the batch. */
export interface PayloadGroup {
  /** How many events the batch holds. */
  count: number;
  /** The first MAX_GROUP_LISTED of them, oldest first, each with what it notifies. */
  events: GroupedEvent[];
  /** How many were left out of `events`. */
  more: number;
}

/** An event of a batch, with the transition it notifies and its incident's id. */
export type GroupedEvent = PayloadEvent & {
  transition: DeliveryTransition;
  incident_id: number | null;
};

/** One delivery of a batch: its event and what it notifies. */
export interface GroupItem {
  event: StoredEvent;
  transition: DeliveryTransition;
  incident: DeliveryIncident | null;
}

/** A line of a listed event is cut to this many characters. */
const LINE_CHARS = 200;

/**
 * One notification for a batch of events (a grouped trigger): `event` is the first of
 * them (templates that name `event.*` keep working), `group` lists them all (up to
 * MAX_GROUP_LISTED) and says how many there were.
 */
export async function buildGroupPayload(
  trigger: Pick<Trigger, 'id' | 'name'>,
  items: readonly GroupItem[],
  names: NameDirectory,
  sentAt: number,
): Promise<DeliveryPayload> {
  const listed: GroupedEvent[] = [];
  for (const item of items.slice(0, MAX_GROUP_LISTED))
    listed.push({
      ...(await buildPayload(trigger, item.event, names, sentAt)).event,
      transition: item.transition,
      incident_id: item.incident?.id ?? null,
    });
  const worst = [...listed].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0]!;
  const head = items[0]!;
  const first = await buildPayload(trigger, head.event, names, sentAt, false, {
    transition: head.transition,
    incident: head.incident,
  });
  return {
    ...first,
    // The title's severity is the worst of the batch.
    event: { ...first.event, severity: worst.severity },
    group: { count: items.length, events: listed, more: items.length - listed.length },
  };
}

const cut = (text: string) =>
  text.length > LINE_CHARS ? `${text.slice(0, LINE_CHARS - 1)}…` : text;

/** `[error] crashes: 5 events`. */
export function groupTitle(payload: DeliveryPayload, group: PayloadGroup): string {
  return `[${payload.event.severity}] ${payload.trigger.name}: ${group.count} events`;
}

/** One line per event (where, what), then how many more were left out. */
export function groupBody(group: PayloadGroup): string {
  const lines = group.events.map((e) => {
    const where = e.container
      ? (e.container.name ?? e.container.id.slice(0, 12))
      : e.workload
        ? (e.workload.name ?? e.workload.id)
        : e.source;
    const what = e.transition === 'event' ? '' : `[${e.transition}] `;
    return `• ${where}: ${what}${cut(e.message.replace(/\s+/g, ' '))}`;
  });
  if (group.more > 0) lines.push(`… and ${group.more} more`);
  return lines.join('\n');
}
