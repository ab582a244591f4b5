import type { LogLine, LogStreamName } from '../docker/index.js';
import {
  MAX_CONTEXT_AFTER_TOTAL,
  MAX_CONTEXT_LINE_BYTES,
  contextLine,
  type EventContext,
  type NewEvent,
} from '../events/index.js';
import type { ContextUpdate } from '../events/index.js';
import { MultilineGrouper } from '../logs/multiline.js';
import type { RuleContext } from '../rules/index.js';
import { RingBuffer } from '../ring-buffer.js';

/**
 * A hit collects its lines after for at most this long, then its context is written
 * with what came: a slow container does not hold a hit open (a trigger's wait is
 * released by the write, so no delivery waits longer either).
 */
export const CONTEXT_COLLECT_MS = 10_000;
/**
 * Once a hit has its `after` lines and only its multi-line record may still go on, the
 * record is over when the container has written nothing for this long (a stack trace
 * is written at once; the next line may be minutes away).
 */
export const CONTEXT_IDLE_MS = 1_000;
/**
 * Hits of one tail collecting at once, at most; a hit beyond them keeps its lines before
 * only. Hits are already held to the container's rate limit and each rule's cooldown;
 * this bounds what a flood could still open.
 */
export const MAX_OPEN_COLLECTIONS = 16;

const NONE: readonly number[] = Object.freeze([]);

/** A line as the context keeps it: cut to MAX_CONTEXT_LINE_BYTES without decoding the rest. */
export function keptText(line: LogLine): string {
  if (line.bytes.length <= MAX_CONTEXT_LINE_BYTES) return line.text;
  return contextLine(line.bytes.toString('utf8', 0, MAX_CONTEXT_LINE_BYTES + 4));
}

/** One hit collecting the lines after it. */
interface Collection {
  event: NewEvent;
  ruleId: number;
  stream: LogStreamName;
  /** Lines still wanted beyond the hit's record. */
  wanted: number;
  /** Judges whether a line of the hit's stream continues its record; null: multiline off. */
  record: MultilineGrouper | null;
  after: string[];
  deadline: number;
  lastLineAt: number;
}

/**
 * The lines around a tail's hits (docs/alerts.md, "The lines around a hit").
 *
 * Before: a ring of the container's last lines, both streams in the order read, as long
 * as the longest `before` of the rules that apply (so nothing while none keeps lines
 * before), each line cut to MAX_CONTEXT_LINE_BYTES: at most MAX_CONTEXT_BEFORE × 1 KiB
 * of text per tail.
 *
 * After: a hit takes the next `after` lines of its container (both streams), and with
 * `multiline` the lines of its own stream that continue its record (src/logs/multiline.ts)
 * even beyond `after`, up to MAX_CONTEXT_AFTER_TOTAL. A line continuing the record is part
 * of the hit: the same rule matching it makes no second hit. Collecting ends when both
 * are done, CONTEXT_IDLE_MS after the last line once only the record is left, after
 * CONTEXT_COLLECT_MS, or when the tail ends.
 */
export class HitContext {
  private ring: RingBuffer<string> | null = null;
  private readonly open: Collection[] = [];
  /** Ended collections of events stored already (id known), to be written. */
  private readonly ready: ContextUpdate[] = [];
  /** Ended collections whose event is not stored yet: its id comes with the commit. */
  private readonly awaitingId = new Map<NewEvent, EventContext>();
  /** Open collections by event, to learn their event's id when it is stored. */
  private readonly ids = new Map<NewEvent, number>();

  /** Whether the tail must feed lines to open collections. */
  get collecting(): boolean {
    return this.open.length > 0;
  }

  /** Whether this holds nothing: the tail may drop it once no rule keeps context. */
  get idle(): boolean {
    return this.open.length === 0 && this.ready.length === 0 && this.awaitingId.size === 0;
  }

  /** Keeps the last `before` lines from now on (0: none); keeps what it has that fits. */
  keepBefore(before: number): void {
    const current = this.ring?.capacity ?? 0;
    if (current === before) return;
    if (before === 0) {
      this.ring = null;
      return;
    }
    const ring = new RingBuffer<string>(before);
    for (const line of this.ring?.oldestFirst() ?? []) ring.push(line);
    this.ring = ring;
  }

  /** Remembers a line read (after any hit on it opened: a hit's line is not its own before). */
  remember(text: string): void {
    this.ring?.push(text);
  }

  get keepsBefore(): boolean {
    return this.ring !== null;
  }

  /**
   * A new line for the open collections; returns the rules whose hit's record it
   * continues (their match on this line is part of that hit, not a new one).
   */
  feed(stream: LogStreamName, text: string, now: number): readonly number[] {
    let absorbed: number[] | null = null;
    for (let i = 0; i < this.open.length;) {
      const c = this.open[i]!;
      let took = false;
      if (c.record !== null && c.stream === stream) {
        if (c.record.continues(text)) {
          took = true;
          (absorbed ??= []).push(c.ruleId);
          if (c.wanted > 0) c.wanted--;
        } else c.record = null;
      }
      if (!took && c.wanted > 0) {
        took = true;
        c.wanted--;
      }
      if (took) {
        c.after.push(text);
        c.lastLineAt = now;
      }
      const full = c.after.length >= MAX_CONTEXT_AFTER_TOTAL;
      if (full || (c.wanted === 0 && c.record === null)) this.end(i);
      else i++;
    }
    return absorbed ?? NONE;
  }

  /**
   * A hit: its event gets the lines before it now; the lines after are collected if its
   * rule wants any. Returns whether they are (the event's context is then pending).
   */
  start(
    event: NewEvent,
    ruleId: number,
    context: RuleContext,
    stream: LogStreamName,
    text: string,
    now: number,
  ): boolean {
    const before = this.lastLines(context.before);
    event.context = { before, after: [] };
    const collects = context.after > 0 || context.multiline;
    if (!collects || this.open.length >= MAX_OPEN_COLLECTIONS) return false;
    let record: MultilineGrouper | null = null;
    if (context.multiline) {
      record = new MultilineGrouper();
      // The hit's line opens the record its continuation lines join.
      record.continues(text);
    }
    this.open.push({
      event,
      ruleId,
      stream,
      wanted: context.after,
      record,
      after: [],
      deadline: now + CONTEXT_COLLECT_MS,
      lastLineAt: now,
    });
    event.context_pending = true;
    return true;
  }

  /** Ends the collections whose time is up; true when any ended. */
  expire(now: number): boolean {
    let ended = false;
    for (let i = 0; i < this.open.length;) {
      const c = this.open[i]!;
      const recordOnly = c.wanted === 0;
      if (now >= c.deadline || (recordOnly && now - c.lastLineAt >= CONTEXT_IDLE_MS)) {
        this.end(i);
        ended = true;
      } else i++;
    }
    return ended;
  }

  /** The tail ends: every collection ends with what it has. */
  endAll(): void {
    while (this.open.length > 0) this.end(this.open.length - 1);
  }

  /**
   * Events are about to be committed: those whose collection already ended get their
   * whole context in the insert itself, and need no update.
   */
  completeUnstored(events: readonly NewEvent[]): void {
    if (this.awaitingId.size === 0) return;
    for (const event of events) {
      const context = this.awaitingId.get(event);
      if (!context) continue;
      this.awaitingId.delete(event);
      event.context = context;
      event.context_pending = false;
    }
  }

  /**
   * The events were stored with these ids (in order): their collections write there;
   * without ids (a sink that does not say), their collections are dropped.
   */
  stored(events: readonly NewEvent[], ids: readonly number[] | null): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (!event.context_pending) continue;
      const id = ids?.[i];
      const ended = this.awaitingId.get(event);
      if (ended) {
        this.awaitingId.delete(event);
        if (id !== undefined) this.ready.push({ event_id: id, context: ended });
        continue;
      }
      const index = this.open.findIndex((c) => c.event === event);
      if (index < 0) continue;
      if (id === undefined) this.open.splice(index, 1);
      else this.ids.set(event, id);
    }
  }

  /** The events were not stored and never will be (the tail stopped): forget them. */
  dropped(events: readonly NewEvent[]): void {
    for (const event of events) {
      this.awaitingId.delete(event);
      this.ids.delete(event);
      const index = this.open.findIndex((c) => c.event === event);
      if (index >= 0) this.open.splice(index, 1);
    }
  }

  /** The contexts to write with the next commit. */
  takeReady(): ContextUpdate[] {
    return this.ready.length === 0 ? [] : this.ready.splice(0);
  }

  /** Whether contexts are waiting to be written. */
  get hasReady(): boolean {
    return this.ready.length > 0;
  }

  /** Contexts that could not be written (the commit failed for good): back in line. */
  giveBack(updates: readonly ContextUpdate[]): void {
    this.ready.unshift(...updates);
  }

  private lastLines(n: number): string[] {
    if (n === 0 || this.ring === null) return [];
    const out: string[] = [];
    for (const line of this.ring.newestFirst()) {
      if (out.length === n) break;
      out.push(line);
    }
    return out.reverse();
  }

  private end(index: number): void {
    const [c] = this.open.splice(index, 1);
    const context = { before: c!.event.context?.before ?? [], after: c!.after };
    const id = this.ids.get(c!.event);
    if (id === undefined) {
      this.awaitingId.set(c!.event, context);
      return;
    }
    this.ids.delete(c!.event);
    this.ready.push({ event_id: id, context });
  }
}
