import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { StoredEvent } from '../../events/model.js';
import type { Database } from '../../store/index.js';
import { PatternCache, TriggerMatcher } from '../filter.js';
import { isGrouped, type DeliveryTransition, type NewDelivery, type Trigger } from '../model.js';
import { newMessageId } from '../secret.js';

/** Where the dispatcher reads the triggers from. */
export interface TriggerSource {
  list(filter: { enabled?: boolean }): Promise<Trigger[]>;
}

/** The outbox, as the dispatcher writes it: within the event's own transaction. */
export interface Outbox {
  enqueue(rows: readonly NewDelivery[], now: number, tx: Kysely<Database>): Promise<number>;
  /** Copies events about to be pruned into the deliveries that refer to them. */
  keepEvents(ids: readonly number[], tx: Kysely<Database>): Promise<void>;
  /** Makes the deliveries that wait for these events' lines after due now. */
  release(eventIds: readonly number[], now: number, tx: Kysely<Database>): Promise<number>;
}

/**
 * What an event did to its incident, as the incident tracker says: opened it, joined
 * the open one, resolved it, or said "resolved" with nothing open (`unmatched`).
 */
export interface EventStep {
  transition: 'opened' | 'joined' | 'resolved' | 'unmatched';
  /** The incident after the event (the tracker hands over the whole row). */
  incident: ({ id: number } & Partial<SweptIncident>) | null;
}

/**
 * The event log's appends, as the dispatcher joins them: through the incident tracker,
 * which runs first in the same transaction and hands over what each event did. An
 * event without a step forms no incident (a system event) and is notified on its own.
 */
export interface EventAppends {
  withinAppend(
    hook: (
      tx: Kysely<Database>,
      events: readonly StoredEvent[],
      steps?: ReadonlyMap<number, EventStep>,
    ) => Promise<(() => void) | void>,
  ): () => void;
  /** Joins the transactions that prune events, with the ids about to go. */
  withinPrune(hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<void>): () => void;
  /** Joins the transactions that store the lines after hits, with their events' ids. */
  withinContext(
    hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<(() => void) | void>,
  ): () => void;
}

/** An incident as the sweep hands it over. */
export interface SweptIncident {
  id: number;
  source: StoredEvent['source'];
  severity: StoredEvent['severity'];
  rule_id: number | null;
  container_id: string | null;
  workload_id: string | null;
  /** The host of the event that opened it (a trigger's `filter.hosts` looks at it). */
  host_id: string | null;
  first_seen: number;
  last_seen: number;
  last_event_id: number;
  last_message: string;
  /** A silence matched its latest event: its reminders and resolution notify nobody. */
  silenced?: boolean;
}

/** The incident sweep: each run's transaction, with what it resolved and what is still open. */
export interface IncidentSweeps {
  withinSweep(
    hook: (
      tx: Kysely<Database>,
      swept: { resolved: readonly SweptIncident[]; open: readonly SweptIncident[] },
      now: number,
    ) => Promise<(() => void) | void>,
  ): () => void;
}

/** Told when new deliveries are waiting. */
export interface DeliveryWaker {
  wake(): void;
}

/**
 * What a trigger is told of an event, by what the event did to its incident and what
 * the trigger notifies; null: nothing. At most one delivery per trigger and event.
 */
export function transitionFor(
  notifyOn: readonly DeliveryTransition[],
  step: EventStep | undefined,
): DeliveryTransition | null {
  const has = (t: DeliveryTransition) => notifyOn.includes(t);
  if (!step) return has('event') || has('opened') ? 'event' : null;
  if (step.transition === 'opened' && has('opened')) return 'opened';
  if (step.transition === 'resolved' && has('resolved')) return 'resolved';
  return has('event') ? 'event' : null;
}

/** A grouped trigger's batching, as the outbox stages it; null when it sends at once. */
function groupOf(trigger: Trigger): NewDelivery['group'] {
  return isGrouped(trigger)
    ? {
        wait_ms: trigger.group_wait_seconds * 1000,
        interval_ms: trigger.group_interval_seconds * 1000,
      }
    : null;
}

function isSwept(incident: EventStep['incident']): incident is SweptIncident {
  return incident !== null && typeof incident.last_message === 'string';
}

/** A synthetic event standing for an incident, to match trigger filters against. */
function incidentEvent(incident: SweptIncident): StoredEvent {
  return {
    id: incident.last_event_id,
    created_at: incident.last_seen,
    source: incident.source,
    severity: incident.severity,
    message: incident.last_message,
    metadata: {},
    workload_id: incident.workload_id,
    container_id: incident.container_id,
    rule_id: incident.rule_id,
    incident_id: incident.id,
    silenced_by: null,
    context: null,
    host_id: incident.host_id,
    msg_id: null,
  };
}

/**
 * Writes one outbox row per enabled trigger that wants an event (its filter accepts it,
 * and its notify_on the transition: every event, or an incident opened or resolved), in
 * the transaction that records the event: an event is never stored without its
 * deliveries, even across a crash. Resolutions by quiet and reminders come from the
 * incident sweep, in its transaction. The worker sends from there. It never records
 * events, so no trigger can feed itself. An event a silence matched (`silenced_by`)
 * gets no delivery (it still opens or joins its incident).
 */
export class TriggerDispatcher {
  private matcher = TriggerMatcher.empty();
  private readonly cache = new PatternCache();
  private detach: (() => void) | null = null;
  private detachPrune: (() => void) | null = null;
  private detachSweep: (() => void) | null = null;
  private detachContext: (() => void) | null = null;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      triggers: TriggerSource;
      outbox: Outbox;
      worker: DeliveryWaker;
      log: Logger;
      now?: () => number;
    },
  ) {}

  /**
   * Loads the triggers, then joins the event log's appends (through the incident
   * tracker) and the incident sweep: call before any producer starts.
   */
  async start(events: EventAppends, sweeps?: IncidentSweeps): Promise<void> {
    await this.reload();
    this.detach ??= events.withinAppend((tx, recorded, steps) => this.stage(tx, recorded, steps));
    if (sweeps)
      this.detachSweep ??= sweeps.withinSweep((tx, swept, now) => this.stageSwept(tx, swept, now));
    // A delivery refers to its event; one pruned before the delivery is done leaves a copy.
    this.detachPrune ??= events.withinPrune((tx, ids) => this.deps.outbox.keepEvents(ids, tx));
    // A delivery that waits for a hit's lines after goes once they are stored.
    this.detachContext ??= events.withinContext(async (tx, ids) => {
      const released = await this.deps.outbox.release(ids, this.now(), tx);
      if (released > 0) return () => this.deps.worker.wake();
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Later appends write no deliveries; those already staged commit with their events. */
  async stop(): Promise<void> {
    this.detach?.();
    this.detach = null;
    this.detachPrune?.();
    this.detachPrune = null;
    this.detachSweep?.();
    this.detachSweep = null;
    this.detachContext?.();
    this.detachContext = null;
  }

  /** Rebuilds the matcher from the enabled triggers; reloads run one after another. */
  reload(): Promise<void> {
    this.reloading = this.reloading
      .catch(() => undefined)
      .then(async () => {
        const triggers = await this.deps.triggers.list({ enabled: true });
        this.matcher = TriggerMatcher.build(triggers, this.cache);
      });
    return this.reloading;
  }

  get triggerCount(): number {
    return this.matcher.size;
  }

  /** How many regexes were compiled so far: each trigger version compiles once. */
  get compiles(): number {
    return this.cache.compiles;
  }

  /** The outbox rows for these events, in their transaction; wakes the worker after commit. */
  async stage(
    tx: Kysely<Database>,
    events: readonly StoredEvent[],
    steps?: ReadonlyMap<number, EventStep>,
  ): Promise<(() => void) | void> {
    const rows: NewDelivery[] = [];
    for (const event of events) {
      // Silenced when recorded (the silences marked it): kept, notifies nobody.
      if (event.silenced_by !== null && event.silenced_by !== undefined) continue;
      const step = steps?.get(event.id);
      const triggers = new Set(this.matcher.match(event));
      // A resolution is matched as the incident (its latest event), as the sweep's are:
      // the event that cleared it (healthy again, the line is back) is mere info.
      if (step?.transition === 'resolved' && isSwept(step.incident))
        for (const trigger of this.matcher.match(incidentEvent(step.incident)))
          if (trigger.notify_on.includes('resolved')) triggers.add(trigger);
      for (const trigger of triggers) {
        const transition = transitionFor(trigger.notify_on, step);
        if (transition === null) continue;
        // The due time is the state: a restart sends it then, with the lines it has.
        const wait = event.context_pending ? trigger.context_wait_seconds * 1000 : 0;
        rows.push({
          trigger_id: trigger.id,
          event,
          channel: trigger.channel.type,
          message_id: newMessageId(),
          group: groupOf(trigger),
          transition,
          incident_id: transition === 'event' ? null : (step?.incident?.id ?? null),
          ...(wait > 0 ? { due_at: event.created_at + wait } : {}),
        });
      }
    }
    return this.enqueue(rows, tx);
  }

  /**
   * In the sweep's transaction: a `resolved` delivery per incident it resolved, and a
   * reminder per open incident whose next repeat_interval has come (reminder n at
   * first_seen + n × interval; staged once per trigger and n).
   */
  async stageSwept(
    tx: Kysely<Database>,
    swept: { resolved: readonly SweptIncident[]; open: readonly SweptIncident[] },
    now: number,
  ): Promise<(() => void) | void> {
    const rows: NewDelivery[] = [];
    for (const incident of swept.resolved) {
      if (incident.silenced) continue;
      const event = incidentEvent(incident);
      for (const trigger of this.matcher.match(event)) {
        if (!trigger.notify_on.includes('resolved')) continue;
        rows.push(this.notice(trigger, event, 'resolved', incident.id, 0));
      }
    }
    for (const incident of swept.open) {
      if (incident.silenced) continue;
      const event = incidentEvent(incident);
      for (const trigger of this.matcher.match(event)) {
        const every = trigger.repeat_interval_seconds * 1000;
        if (every <= 0 || !trigger.notify_on.includes('reminder')) continue;
        const n = Math.floor((now - incident.first_seen) / every);
        if (n >= 1) rows.push(this.notice(trigger, event, 'reminder', incident.id, n));
      }
    }
    return this.enqueue(rows, tx);
  }

  /**
   * In the transaction that handles a silence's end: an `opened` notice for each incident
   * still open whose opening the silence held back (each silence's end is handled once).
   */
  async stageOpened(
    tx: Kysely<Database>,
    incidents: readonly SweptIncident[],
  ): Promise<(() => void) | void> {
    const rows: NewDelivery[] = [];
    for (const incident of incidents) {
      const event = incidentEvent(incident);
      for (const trigger of this.matcher.match(event)) {
        if (!trigger.notify_on.includes('opened')) continue;
        rows.push(this.notice(trigger, event, 'opened', incident.id, 0));
      }
    }
    return this.enqueue(rows, tx);
  }

  private notice(
    trigger: Trigger,
    event: StoredEvent,
    transition: DeliveryTransition,
    incidentId: number,
    sequence: number,
  ): NewDelivery {
    return {
      trigger_id: trigger.id,
      event,
      channel: trigger.channel.type,
      message_id: newMessageId(),
      group: groupOf(trigger),
      transition,
      incident_id: incidentId,
      sequence,
    };
  }

  private async enqueue(rows: NewDelivery[], tx: Kysely<Database>): Promise<(() => void) | void> {
    if (rows.length === 0) return;
    await this.deps.outbox.enqueue(rows, this.now(), tx);
    return () => this.deps.worker.wake();
  }
}
