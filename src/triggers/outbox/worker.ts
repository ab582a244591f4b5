import type { Logger } from 'pino';
import { retryDelayMs, type RetryPolicy } from './backoff.js';
import type { ChannelFactory, SendOutcome } from '../channels/index.js';
import { UNCERTAIN, type AttemptRecord } from './delivery-repository.js';
import type { DeliveryWaker } from './dispatcher.js';
import type { DeliveryJournal, DeliveryMetrics, DeliveryOutcomeKind } from '../journal.js';
import {
  isGrouped,
  MAX_GROUP_BATCH,
  type Delivery,
  type DueDelivery,
  type Trigger,
} from '../model.js';
import { buildPayload, type DeliveryPayload, type NameDirectory } from '../channels/payload.js';
import { buildGroupPayload } from '../channels/group.js';

/** The outbox, as the worker reads and updates it. */
export interface DeliveryStore {
  due(
    now: number,
    limit: number,
    inFlight: readonly number[],
    triggerId?: number,
  ): Promise<DueDelivery[]>;
  dueTriggers(
    now: number,
    inFlight: readonly number[],
  ): Promise<{ trigger_id: number; due_at: number }[]>;
  nextDueAt(exclude: readonly number[], excludeTriggers: readonly number[]): Promise<number | null>;
  recordAttempt(id: number, record: AttemptRecord, now: number): Promise<boolean>;
  /** Keeps the claim on what is in flight (replicas sharing the outbox); else nothing. */
  renewLeases(ids: readonly number[], now: number): Promise<void>;
  recordBatch(
    ids: readonly number[],
    record: AttemptRecord,
    now: number,
    triggerId: number,
    nextBatchAfterMs: number,
  ): Promise<number>;
}

/** The triggers, as the worker needs them: read at send time, and turned off on 410. */
export interface TriggerLookup {
  get(id: number): Promise<Trigger | null>;
  disable(id: number, reason: string): Promise<void>;
}

export interface WorkerOptions {
  /** Sends in flight at once, stalled ones left out; each trigger gets its share. */
  concurrency: number;
  /** A send outstanding this long stops holding a slot (it keeps its trigger's share). */
  stalledAfterMs?: number;
  retry: RetryPolicy;
  /** The longest the worker sleeps without looking at the outbox. */
  pollMs?: number;
  /** Jitter source; tests pin it. */
  random?: () => number;
}

const DEFAULT_POLL_MS = 5_000;
const DEFAULT_STALLED_AFTER_MS = 2_000;

interface Send {
  trigger_id: number;
  started: number;
  run: Promise<void>;
}

/**
 * Sends what the outbox holds: at most `concurrency` at once, retrying with backoff,
 * with the slots shared fairly among the triggers that have work: a trigger holds at
 * most its share (concurrency / triggers with work, at least one), freed slots go to
 * the trigger with the fewest sends in flight, a trigger with nothing in flight may go
 * one beyond, and a send outstanding longer than
 * `stalledAfterMs` stops holding a slot (the HTTP timeout still ends it), so receivers
 * that hang cannot hold back the ones that answer.
 *
 * recording each attempt on the row, in the journal and in metrics. What is pending
 * when the process starts is simply due, so a crash loses nothing; a delivery is
 * marked sent only after the receiver took it, so a crash in between resends it under
 * the same webhook-id and receivers can drop the repeat.
 */
export class DeliveryWorker implements DeliveryWaker {
  private readonly inFlight = new Map<number, Send>();
  /**
   * Triggers that could not send more when the outbox was last looked at (at their
   * share, or no slot left for them); null when no trigger could.
   */
  private blocked: number[] | null = [];
  private running = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly controller = new AbortController();
  /** One grouped send per trigger at a time: each takes whatever of its batch is due. */
  private readonly groupSends = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: {
      store: DeliveryStore;
      triggers: TriggerLookup;
      channels: ChannelFactory;
      names: NameDirectory;
      journal: DeliveryJournal;
      metrics: DeliveryMetrics;
      log: Logger;
      options: WorkerOptions;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Looks at the outbox now (new deliveries, a retry asked for, a slot freed). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
    });
  }

  /** Stops taking work, aborts what is in flight (those rows stay pending) and waits. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.controller.abort();
    await this.pumping?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight.values()].map((s) => s.run));
  }

  get active(): number {
    return this.inFlight.size;
  }

  private async pump(): Promise<void> {
    try {
      // A wake while this runs (even while scheduling) sets `again`: look once more.
      do {
        this.again = false;
        // Every look at the outbox (at least each poll period) renews what is in flight.
        if (this.inFlight.size > 0)
          await this.deps.store.renewLeases([...this.inFlight.keys()], this.now());
        await this.fill();
        await this.schedule();
      } while (this.again && this.running);
    } catch (err) {
      this.deps.log.error({ err }, 'reading the outbox failed');
      this.arm(this.deps.options.pollMs ?? DEFAULT_POLL_MS);
    }
  }

  private get stalledAfterMs(): number {
    return this.deps.options.stalledAfterMs ?? DEFAULT_STALLED_AFTER_MS;
  }

  /** Sends in flight that still hold a slot: those not yet stalled. */
  private holding(now: number): Send[] {
    return [...this.inFlight.values()].filter((s) => now - s.started < this.stalledAfterMs);
  }

  /**
   * Launches due deliveries into the free slots, one trigger at a time, fairly. A
   * trigger with nothing in flight may go one beyond `concurrency` (one such extra send
   * at a time): sends cannot be taken back, so a trigger whose work arrives while the
   * others hang must not have to wait for them.
   */
  private async fill(): Promise<void> {
    const { concurrency } = this.deps.options;
    const now = this.now();
    const holding = this.holding(now).length;
    let free = concurrency - holding;
    const held = new Map<number, number>();
    for (const s of this.inFlight.values())
      held.set(s.trigger_id, (held.get(s.trigger_id) ?? 0) + 1);
    const heldBy = (id: number) => held.get(id) ?? 0;
    if (free < 0) {
      this.blocked = null;
      return;
    }
    const waiting = await this.deps.store.dueTriggers(now, [...this.inFlight.keys()]);
    const active = new Set([...held.keys(), ...waiting.map((w) => w.trigger_id)]);
    const share = Math.max(1, Math.ceil(concurrency / Math.max(1, active.size)));
    // Fewest in flight first, then the longest waiting; one slot per trigger per round.
    const order = waiting
      .filter((w) => heldBy(w.trigger_id) < share)
      .sort((a, b) => heldBy(a.trigger_id) - heldBy(b.trigger_id) || a.due_at - b.due_at);
    const plan = new Map<number, number>();
    for (let gave = true; gave;) {
      gave = false;
      for (const w of order) {
        const planned = plan.get(w.trigger_id) ?? 0;
        const holds = heldBy(w.trigger_id) + planned;
        if (holds >= share || free <= (holds === 0 ? -1 : 0)) continue;
        plan.set(w.trigger_id, planned + 1);
        free--;
        gave = true;
      }
    }
    // What the next look at the outbox can leave out: triggers that cannot go anyway.
    const blocked = [...active].filter(
      (id) => heldBy(id) + (plan.get(id) ?? 0) >= (free > 0 ? share : 1),
    );
    this.blocked = free < 0 ? null : blocked;
    for (const [triggerId, n] of plan) {
      const due = await this.deps.store.due(now, n, [...this.inFlight.keys()], triggerId);
      for (const delivery of due) {
        if (!this.running) return;
        this.launch(delivery);
      }
    }
  }

  /**
   * Sleeps until the next delivery that could go is due, a send stalls (freeing its
   * slot) or the poll period ends, whichever is soonest.
   */
  private async schedule(): Promise<void> {
    if (!this.running) return;
    const poll = this.deps.options.pollMs ?? DEFAULT_POLL_MS;
    const now = this.now();
    const holding = this.holding(now);
    let wait = poll;
    if (holding.length > 0) {
      const firstStall = Math.min(...holding.map((s) => s.started + this.stalledAfterMs));
      wait = Math.min(wait, Math.max(firstStall - now, 10));
    }
    if (this.blocked !== null) {
      const next = await this.deps.store.nextDueAt([...this.inFlight.keys()], this.blocked);
      if (next !== null) wait = Math.min(wait, Math.max(next - this.now(), 10));
    }
    this.arm(wait);
  }

  private arm(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), ms);
    this.timer.unref();
  }

  private launch(delivery: DueDelivery): void {
    const run = this.attempt(delivery)
      .catch((err: unknown) =>
        this.deps.log.error({ err, delivery_id: delivery.id }, 'delivery attempt failed'),
      )
      .finally(() => {
        this.inFlight.delete(delivery.id);
        this.wake();
      });
    this.inFlight.set(delivery.id, { trigger_id: delivery.trigger_id, started: this.now(), run });
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const trigger = await this.deps.triggers.get(delivery.trigger_id);
    // Deleted: its deliveries went with it.
    if (!trigger) return;
    if (!trigger.enabled) {
      await this.finish(delivery, trigger, 'failed', {
        status: 'failed',
        attempts: delivery.attempts,
        next_attempt_at: delivery.next_attempt_at,
        last_status_code: null,
        last_error: trigger.disabled_reason
          ? `trigger is disabled: ${trigger.disabled_reason}`
          : 'trigger is disabled',
        latency_ms: null,
        sent_at: null,
      });
      return;
    }
    if (isGrouped(trigger)) {
      await this.attemptGroup(trigger);
      return;
    }
    if (!delivery.event) {
      await this.finish(delivery, trigger, 'failed', {
        status: 'failed',
        attempts: delivery.attempts,
        next_attempt_at: delivery.next_attempt_at,
        last_status_code: null,
        last_error: 'the event was pruned by retention before it could be sent',
        latency_ms: null,
        sent_at: null,
      });
      return;
    }
    const now = this.now();
    const payload = await buildPayload(trigger, delivery.event, this.deps.names, now, false, {
      transition: delivery.transition,
      incident: delivery.incident,
    });
    const outcome = await this.send(trigger, payload, delivery);
    // Stopping: the attempt was cut short by us, not failed; the row stays as it was.
    if (this.controller.signal.aborted) return;
    const attempts = delivery.attempts + 1;
    const { kind, record } = this.judge(outcome, attempts, delivery);
    await this.finish(delivery, trigger, kind, record, outcome.latency_ms);
    if (outcome.gone)
      await this.deps.triggers.disable(
        trigger.id,
        `the receiver answered 410 Gone on ${new Date(this.now()).toISOString()}`,
      );
  }

  /** One send through the trigger's channel; a channel that throws is a retryable failure. */
  private async send(
    trigger: Trigger,
    payload: DeliveryPayload,
    delivery: { id: number; message_id: string },
  ): Promise<SendOutcome> {
    try {
      return await this.deps.channels
        .create(trigger)
        .send(payload, { message_id: delivery.message_id, signal: this.controller.signal });
    } catch (err) {
      this.deps.log.error({ err, delivery_id: delivery.id }, 'channel threw');
      return {
        ok: false,
        status_code: null,
        error: 'the channel failed unexpectedly',
        latency_ms: 0,
        retryable: true,
        gone: false,
        retry_after_ms: null,
      };
    }
  }

  /**
   * A grouped trigger: whatever of its batch is due goes as one message (the delivery
   * that woke this is among them, or already went with an earlier batch), under the
   * first delivery's webhook-id; the attempt is recorded on every delivery it carried.
   */
  private attemptGroup(trigger: Trigger): Promise<void> {
    const previous = this.groupSends.get(trigger.id) ?? Promise.resolve();
    const send = previous.then(() => this.sendGroup(trigger));
    const settled = send.catch(() => undefined);
    this.groupSends.set(trigger.id, settled);
    void settled.then(() => {
      if (this.groupSends.get(trigger.id) === settled) this.groupSends.delete(trigger.id);
    });
    return send;
  }

  private async sendGroup(trigger: Trigger): Promise<void> {
    if (!this.running) return;
    const now = this.now();
    const due = await this.deps.store.due(now, MAX_GROUP_BATCH, [], trigger.id);
    const pruned = due.filter((d) => !d.event);
    for (const delivery of pruned)
      await this.finish(delivery, trigger, 'failed', {
        status: 'failed',
        attempts: delivery.attempts,
        next_attempt_at: delivery.next_attempt_at,
        last_status_code: null,
        last_error: 'the event was pruned by retention before it could be sent',
        latency_ms: null,
        sent_at: null,
      });
    const batch = due.filter((d) => d.event);
    if (batch.length === 0) return;
    const leader = batch[0]!;
    const payload = await buildGroupPayload(
      trigger,
      batch.map((d) => ({ event: d.event!, transition: d.transition, incident: d.incident })),
      this.deps.names,
      now,
    );
    const outcome = await this.send(trigger, payload, leader);
    if (this.controller.signal.aborted) return;
    const { kind, record } = this.judge(outcome, leader.attempts + 1, leader);
    const nextBatchAfterMs = (trigger.group_interval_seconds || trigger.group_wait_seconds) * 1000;
    await this.deps.store.recordBatch(
      batch.map((d) => d.id),
      record,
      this.now(),
      trigger.id,
      nextBatchAfterMs,
    );
    this.report(leader, trigger, kind, record, outcome.latency_ms, batch.length);
    if (outcome.gone)
      await this.deps.triggers.disable(
        trigger.id,
        `the receiver answered 410 Gone on ${new Date(this.now()).toISOString()}`,
      );
  }

  private judge(
    outcome: SendOutcome,
    attempts: number,
    delivery: Delivery,
  ): { kind: DeliveryOutcomeKind; record: AttemptRecord } {
    const now = this.now();
    const base = {
      attempts,
      last_status_code: outcome.status_code,
      last_error: outcome.error,
      latency_ms: outcome.latency_ms,
      next_attempt_at: delivery.next_attempt_at,
      sent_at: null,
    };
    if (outcome.ok)
      return {
        kind: 'sent',
        record: {
          ...base,
          status: 'sent',
          // A resend after an attempt whose outcome was lost stays marked: the receiver
          // may have had it twice (under one webhook-id).
          last_error: delivery.last_error?.startsWith(UNCERTAIN) ? delivery.last_error : null,
          sent_at: now,
        },
      };
    if (!outcome.retryable) return { kind: 'failed', record: { ...base, status: 'failed' } };
    const { retry, random } = this.deps.options;
    if (attempts >= retry.maxAttempts) return { kind: 'dead', record: { ...base, status: 'dead' } };
    const wait = retryDelayMs(attempts, retry, outcome.retry_after_ms, random);
    return {
      kind: 'retrying',
      record: { ...base, status: 'pending', next_attempt_at: now + wait },
    };
  }

  private async finish(
    delivery: Delivery,
    trigger: Trigger,
    kind: DeliveryOutcomeKind,
    record: AttemptRecord,
    latency: number | null = null,
  ): Promise<void> {
    await this.deps.store.recordAttempt(delivery.id, record, this.now());
    this.report(delivery, trigger, kind, record, latency);
  }

  /** An attempt in the metrics, the journal and the log; `batch`: how many it carried. */
  private report(
    delivery: Delivery,
    trigger: Trigger,
    kind: DeliveryOutcomeKind,
    record: AttemptRecord,
    latency: number | null,
    batch = 1,
  ): void {
    const channel = trigger.channel.type;
    if (latency !== null) this.deps.metrics.observe(channel, kind, latency);
    this.deps.journal.record({
      action: `delivery.${kind}`,
      trigger_id: trigger.id,
      trigger_name: trigger.name,
      channel,
      delivery_id: delivery.id,
      event_id: delivery.event_id,
      attempt: record.attempts,
      status_code: record.last_status_code,
      error: record.last_error,
      latency_ms: latency,
      ...(batch > 1 ? { batch } : {}),
    });
    const fields = {
      delivery_id: delivery.id,
      trigger_id: trigger.id,
      channel,
      attempt: record.attempts,
      status_code: record.last_status_code,
      error: record.last_error,
    };
    if (kind === 'sent') this.deps.log.debug(fields, 'delivery sent');
    else if (kind === 'retrying')
      this.deps.log.info(
        { ...fields, next_attempt_at: new Date(record.next_attempt_at).toISOString() },
        'delivery failed, will retry',
      );
    else this.deps.log.warn(fields, `delivery ${kind}`);
  }
}
