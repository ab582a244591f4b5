import type { Kysely } from 'kysely';
import { severityRank, type StoredEvent } from '../events/model.js';
import type { Database } from '../store/index.js';
import { incidentKeyOf, type Incident, type IncidentStep } from './model.js';
import type { IncidentGrowth, IncidentRepository } from './repository.js';

/** A write that joins the append after the tracker, seeing what each event did. */
export type TrackedAppendHook = (
  tx: Kysely<Database>,
  events: readonly StoredEvent[],
  steps: ReadonlyMap<number, IncidentStep>,
) => Promise<(() => void) | void>;

/** The event log, as the tracker joins its appends and prunes. */
export interface EventAppendSource {
  withinAppend(
    hook: (tx: Kysely<Database>, events: readonly StoredEvent[]) => Promise<(() => void) | void>,
  ): () => void;
  withinPrune(hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<void>): () => void;
  withinContext(
    hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<(() => void) | void>,
  ): () => void;
}

/** Writes each event's incident onto its row, in the append's transaction. */
export interface EventIncidentLinks {
  link(incidentId: number, eventIds: readonly number[], tx: Kysely<Database>): Promise<void>;
}

/** How long an incident stays open without a new event. */
export interface QuietPeriods {
  /** A rule's own resolve_after_seconds, null when it has none (or is gone). */
  forRule(ruleId: number, tx: Kysely<Database>): Promise<number | null>;
  /** For rules without their own, and for lifecycle incidents (seconds). */
  readonly defaultSeconds: number;
}

/**
 * Turns events into incidents inside the event log's append transaction: each event
 * opens the incident of its key, joins the open one (count, last seen, latest line), or
 * resolves it; the event row records its incident. Hooks that need to know what each
 * event did (the trigger dispatcher) join the append THROUGH the tracker, so they run
 * after it in the same transaction: a kill -9 never leaves an event without its
 * incident, nor an incident count without its event.
 */
export class IncidentTracker {
  private readonly hooks = new Set<TrackedAppendHook>();
  private detachAppend: (() => void) | null = null;
  private events: EventAppendSource | null = null;

  constructor(
    private readonly deps: {
      repo: IncidentRepository;
      links: EventIncidentLinks;
      quiet: QuietPeriods;
    },
  ) {}

  /** Joins the event log's appends (once); hooks added with withinAppend run after it. */
  attach(events: EventAppendSource): void {
    this.events = events;
    this.detachAppend ??= events.withinAppend(async (tx, recorded) => {
      const steps = await this.track(tx, recorded);
      const after: (() => void)[] = [];
      for (const hook of this.hooks) {
        const then = await hook(tx, recorded, steps);
        if (then) after.push(then);
      }
      if (after.length > 0) return () => after.forEach((then) => then());
    });
  }

  detach(): void {
    this.detachAppend?.();
    this.detachAppend = null;
  }

  /** A write that runs after the tracker in every append's transaction. */
  withinAppend(hook: TrackedAppendHook): () => void {
    this.hooks.add(hook);
    return () => {
      this.hooks.delete(hook);
    };
  }

  /** Pruning is the event log's: passed through. */
  withinPrune(hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<void>): () => void {
    return this.attached().withinPrune(hook);
  }

  /** Storing the lines after hits is the event log's: passed through. */
  withinContext(
    hook: (tx: Kysely<Database>, ids: readonly number[]) => Promise<(() => void) | void>,
  ): () => void {
    return this.attached().withinContext(hook);
  }

  private attached(): EventAppendSource {
    if (!this.events) throw new Error('the incident tracker is not attached to the event log');
    return this.events;
  }

  /** What each event did, by event id; sets `incident_id` on the events. */
  async track(
    tx: Kysely<Database>,
    events: readonly StoredEvent[],
  ): Promise<Map<number, IncidentStep>> {
    const steps = new Map<number, IncidentStep>();
    const keyed = events.map((event) => ({ event, key: incidentKeyOf(event) }));
    const keys = [...new Set(keyed.flatMap((k) => (k.key ? [k.key.key] : [])))];
    if (keys.length === 0) return steps;
    const open = await this.deps.repo.openByKeys(keys, tx);
    const grown = new Map<number, Incident>();
    const linked = new Map<number, number[]>();
    const link = (incident: Incident, eventId: number) => {
      const ids = linked.get(incident.id);
      if (ids) ids.push(eventId);
      else linked.set(incident.id, [eventId]);
    };
    const flush = async (incident: Incident) => {
      if (!grown.delete(incident.id)) return;
      const growth: IncidentGrowth = {
        count: incident.count,
        last_seen: incident.last_seen,
        last_event_id: incident.last_event_id,
        last_message: incident.last_message,
        severity: incident.severity,
        quiet_at: incident.quiet_at,
      };
      await this.deps.repo.grow(incident.id, growth, tx);
    };

    for (const { event, key } of keyed) {
      if (!key) continue;
      let current = open.get(key.key);
      if (key.resolves) {
        if (!current) {
          steps.set(event.id, { transition: 'unmatched', incident: null });
          continue;
        }
        await flush(current);
        const resolved = await this.deps.repo.resolve(
          current.id,
          { at: event.created_at, reason: 'cleared', by_event_id: event.id },
          tx,
        );
        open.delete(key.key);
        if (!resolved) continue;
        event.incident_id = resolved.id;
        link(resolved, event.id);
        steps.set(event.id, { transition: 'resolved', incident: resolved });
        continue;
      }
      if (!current) {
        const opened = await this.open(event, key.key, tx);
        if (opened.fresh) {
          open.set(key.key, opened.incident);
          event.incident_id = opened.incident.id;
          link(opened.incident, event.id);
          steps.set(event.id, { transition: 'opened', incident: { ...opened.incident } });
          continue;
        }
        // Another append opened it meanwhile: this event joins it.
        current = opened.incident;
        open.set(key.key, current);
      }
      current.count += 1;
      current.last_seen = Math.max(current.last_seen, event.created_at);
      current.last_event_id = event.id;
      current.last_message = event.message;
      if (severityRank(event.severity) > severityRank(current.severity))
        current.severity = event.severity;
      current.quiet_at = current.last_seen + current.resolve_after_seconds * 1000;
      grown.set(current.id, current);
      event.incident_id = current.id;
      link(current, event.id);
      steps.set(event.id, { transition: 'joined', incident: { ...current } });
    }
    for (const incident of [...grown.values()]) await flush(incident);
    for (const [incidentId, ids] of linked) await this.deps.links.link(incidentId, ids, tx);
    return steps;
  }

  /**
   * Opens the incident of `key` with this event; when another append opened it first
   * (its insert waited for that one to commit), that incident, not fresh.
   */
  private async open(
    event: StoredEvent,
    key: string,
    tx: Kysely<Database>,
  ): Promise<{ incident: Incident; fresh: boolean }> {
    const resolveAfter =
      (event.rule_id !== null ? await this.deps.quiet.forRule(event.rule_id, tx) : null) ??
      this.deps.quiet.defaultSeconds;
    const opened = await this.deps.repo.insert(
      {
        key,
        state: 'open',
        source: event.source,
        severity: event.severity,
        rule_id: event.rule_id,
        container_id: event.container_id,
        workload_id: event.workload_id,
        host_id: event.host_id,
        count: 1,
        first_seen: event.created_at,
        last_seen: event.created_at,
        first_event_id: event.id,
        last_event_id: event.id,
        last_message: event.message,
        resolve_after_seconds: resolveAfter,
        quiet_at: event.created_at + resolveAfter * 1000,
        resolved_at: null,
        resolve_reason: null,
        resolved_by_event_id: null,
      },
      tx,
    );
    if (opened) return { incident: opened, fresh: true };
    const raced = (await this.deps.repo.openByKeys([key], tx)).get(key);
    if (!raced) throw new Error(`incident ${key}: neither opened nor found open`);
    return { incident: raced, fresh: false };
  }
}
