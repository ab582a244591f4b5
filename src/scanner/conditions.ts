import type { Kysely, Transaction } from 'kysely';
import type { NewEvent } from '../events/model.js';
import { storableText } from '../events/index.js';
import {
  MAX_COUNT_KEYS_PER_RULE,
  type CompiledRule,
  type RuleCondition,
  type RuleMatch,
} from '../rules/index.js';
import type { Database } from '../store/index.js';
import { CountWindow } from './count-window.js';

/**
 * Conditions beyond one line (docs/alerts.md, "Conditions"): counting matches in a
 * sliding window per group key, and watching for the absence of a matching line.
 *
 * What fires is not committed by whoever notices it but put in one pool with the state
 * that changed; the next commit of any tail (or of the absence watcher) takes the pool
 * and the state together, in the transaction that stores that tail's resume cursors.
 * So a stored state never shows a fire whose event is not stored, and a state is taken
 * only after the cursors it goes with were: after kill -9 every line after a stored
 * cursor is read again, and a line the stored state already counted (its identity is
 * at or before the state's mark for its container and stream) is not counted twice.
 * Counting uses the lines' own timestamps, so reading them again decides the same.
 */

/** Where a line sits in its stream: its timestamp and its rank among lines sharing it. */
export interface LineMark {
  tsNanos: bigint;
  seen: number;
}

export interface ConditionLine {
  containerId: string;
  containerName: string;
  workloadId: string | null;
  stream: 'stdout' | 'stderr';
  text: string;
  timestamp: string | null;
  truncated: boolean;
  /** The line's time (ms), or the time it was read when Docker gave none. */
  timeMs: number;
  /** Null for a line without a timestamp (it cannot be recognised when read again). */
  mark: LineMark | null;
}

/** Rows of `rule_condition_state` to write and to delete, with the events that go with them. */
export interface ConditionCommit {
  events: NewEvent[];
  upserts: { rule_id: number; group_key: string; state: string }[];
  deletes: { rule_id: number; group_key: string }[];
}

export interface StoredConditionState {
  rule_id: number;
  group_key: string;
  state: string;
}

/** What the tracker counts, next to the scanner's own counters. */
export interface ConditionCounters {
  hits: number;
  cooldown_drops: number;
  condition_keys_dropped: number;
}

interface CountState {
  kind: 'count';
  /** The condition the state was counted for: a changed rule starts over. */
  signature: string;
  window: CountWindow;
  /** By `container/stream`: the last line counted. */
  marks: Map<string, LineMark>;
  /** Line time until which fires are dropped by the rule's cooldown. */
  cooldownUntil: number;
  /** Fires the cooldown dropped since the last fire that went out. */
  suppressed: number;
  /** Wall time of the last match: a key quiet for its window (and a minute) is forgotten. */
  touchedAt: number;
}

interface AbsenceState {
  kind: 'absence';
  signature: string;
  /** When the absence fired (ms). */
  firedAt: number;
}

type KeyState = CountState | AbsenceState;

/** A container the absence watcher looks at: running, its tail following. */
export interface WatchedContainer {
  id: string;
  name: string;
  workload_id: string | null;
  /** When the container started (ms), if known. */
  started_at: number | null;
  /** When this process began following it: a restart of Logwarden never fires early. */
  watchingSince: number;
  absenceRules: readonly CompiledRule[];
}

/** A forgotten key's row goes only once the window has passed by this much more. */
const FORGET_GRACE_MS = 60_000;

const signatureOf = (condition: RuleCondition | undefined): string =>
  JSON.stringify(condition ?? { type: 'line' });

const markAfter = (a: LineMark, b: LineMark): boolean =>
  a.tsNanos > b.tsNanos || (a.tsNanos === b.tsNanos && a.seen > b.seen);

const stateId = (ruleId: number, key: string) => `${ruleId}\u0000${key}`;

export function countGroupKey(
  rule: CompiledRule,
  line: Pick<ConditionLine, 'containerId' | 'workloadId'>,
  captures: Record<string, string>,
): string {
  const groupBy = rule.condition?.type === 'count' ? rule.condition.group_by : 'container';
  if (groupBy === 'workload' && line.workloadId !== null) return `workload:${line.workloadId}`;
  if (groupBy.startsWith('capture:')) {
    const name = groupBy.slice('capture:'.length);
    const value = Object.prototype.hasOwnProperty.call(captures, name) ? captures[name]! : '';
    // The key is a text column of rule_condition_state (and of incidents).
    return `capture:${name}=${storableText(value)}`;
  }
  // `container`, and `workload` for a container that belongs to none.
  return `container:${line.containerId}`;
}

/** The key an absence rule watches a container under. */
export function absenceGroupKey(rule: CompiledRule, containerId: string): string {
  return rule.workload_id !== null ? `workload:${rule.workload_id}` : `container:${containerId}`;
}

export class ConditionTracker {
  private readonly states = new Map<number, Map<string, KeyState>>();
  /** Keys changed since the last commit took them (rule id + key → null: delete). */
  private readonly dirty = new Map<string, { rule_id: number; group_key: string }>();
  private pending: NewEvent[] = [];
  /** Per container, per absence rule: the time of its last matching line. */
  private readonly lastMatch = new Map<string, Map<number, number>>();

  constructor(
    private readonly counters: ConditionCounters,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the stored state (at start, before any tail reads). */
  load(rows: readonly StoredConditionState[]): void {
    for (const row of rows) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(row.state) as Record<string, unknown>;
      } catch {
        this.markDirty(row.rule_id, row.group_key);
        continue;
      }
      const state = this.revive(parsed);
      if (state) this.rule(row.rule_id).set(row.group_key, state);
      else this.markDirty(row.rule_id, row.group_key);
    }
  }

  private revive(s: Record<string, unknown>): KeyState | null {
    const signature = typeof s.signature === 'string' ? s.signature : '';
    if (s.kind === 'absence' && typeof s.fired_at === 'number')
      return { kind: 'absence', signature, firedAt: s.fired_at };
    if (s.kind !== 'count') return null;
    const threshold = Number(s.threshold);
    const windowMs = Number(s.window_ms);
    const times = Array.isArray(s.times) ? s.times.filter((t) => typeof t === 'number') : [];
    if (!Number.isInteger(threshold) || threshold < 1 || !(windowMs > 0)) return null;
    const marks = new Map<string, LineMark>();
    for (const [k, v] of Object.entries((s.marks ?? {}) as Record<string, unknown>)) {
      const m = typeof v === 'string' ? /^(\d+):(\d+)$/.exec(v) : null;
      if (m) marks.set(k, { tsNanos: BigInt(m[1]!), seen: Number(m[2]) });
    }
    return {
      kind: 'count',
      signature,
      window: new CountWindow(threshold, windowMs, times as number[]),
      marks,
      cooldownUntil: typeof s.cooldown_until === 'number' ? s.cooldown_until : 0,
      suppressed: typeof s.suppressed === 'number' ? s.suppressed : 0,
      touchedAt: this.now(),
    };
  }

  /** Events waiting for a commit (a tail with some commits soon). */
  get hasPending(): boolean {
    return this.pending.length > 0 || this.dirty.size > 0;
  }

  /**
   * The matches of one line whose rule has a count or absence condition. Returns how
   * many events it made (fires and resolutions): the tail should then commit soon.
   */
  observe(line: ConditionLine, matches: readonly RuleMatch[]): number {
    const before = this.pending.length;
    for (const match of matches) {
      const condition = match.rule.condition;
      if (condition?.type === 'count') this.count(line, match, condition);
      else if (condition?.type === 'absence') this.seen(line, match);
    }
    return this.pending.length - before;
  }

  private count(
    line: ConditionLine,
    match: RuleMatch,
    condition: Extract<RuleCondition, { type: 'count' }>,
  ): void {
    const { rule } = match;
    const key = countGroupKey(rule, line, match.captures);
    const states = this.rule(rule.id);
    const signature = signatureOf(condition);
    let state = states.get(key);
    if (state && (state.kind !== 'count' || state.signature !== signature)) {
      states.delete(key);
      state = undefined;
    }
    if (!state) {
      if (states.size >= MAX_COUNT_KEYS_PER_RULE) {
        this.counters.condition_keys_dropped++;
        return;
      }
      state = {
        kind: 'count',
        signature,
        window: new CountWindow(condition.threshold, condition.window_seconds * 1000),
        marks: new Map(),
        cooldownUntil: 0,
        suppressed: 0,
        touchedAt: 0,
      };
      states.set(key, state);
    }
    if (line.mark) {
      const markKey = `${line.containerId}/${line.stream}`;
      const mark = state.marks.get(markKey);
      // Counted before a restart: the stored state already holds this line.
      if (mark && !markAfter(line.mark, mark)) return;
      state.marks.set(markKey, line.mark);
    }
    state.touchedAt = this.now();
    this.markDirty(rule.id, key);
    if (!state.window.add(line.timeMs)) return;
    if (line.timeMs < state.cooldownUntil) {
      state.suppressed++;
      this.counters.cooldown_drops++;
      return;
    }
    state.cooldownUntil = line.timeMs + rule.cooldown_seconds * 1000;
    const suppressed = state.suppressed;
    state.suppressed = 0;
    this.counters.hits++;
    const event = lineEvent(line, match);
    this.pending.push({
      ...event,
      metadata: {
        ...event.metadata,
        condition: 'count',
        group_key: key,
        count: condition.threshold,
        window_seconds: condition.window_seconds,
        suppressed,
      },
    });
  }

  /** A matching line of an absence rule: it is not absent; a fired absence resolves. */
  private seen(line: ConditionLine, match: RuleMatch): void {
    const { rule } = match;
    let perRule = this.lastMatch.get(line.containerId);
    if (!perRule) this.lastMatch.set(line.containerId, (perRule = new Map()));
    perRule.set(rule.id, Math.max(perRule.get(rule.id) ?? 0, line.timeMs));
    const key = absenceGroupKey(rule, line.containerId);
    const states = this.states.get(rule.id);
    const state = states?.get(key);
    if (state?.kind !== 'absence') return;
    states!.delete(key);
    this.markDirty(rule.id, key);
    const event = lineEvent(line, match);
    this.pending.push({
      ...event,
      severity: 'info',
      metadata: {
        ...event.metadata,
        condition: 'absence',
        group_key: key,
        window_seconds: rule.condition?.type === 'absence' ? rule.condition.window_seconds : null,
        resolves: true,
        silent_seconds: Math.max(0, Math.round((line.timeMs - state.firedAt) / 1000)),
      },
    });
  }

  /**
   * Fires each absence whose window has passed with no matching line: per container, or
   * per workload for a workload rule (every watched container of it silent). Returns
   * true when an event is now waiting.
   */
  checkAbsence(containers: readonly WatchedContainer[], now: number): boolean {
    const before = this.pending.length;
    const workloads = new Map<
      string,
      { rule: CompiledRule; silentSince: number; containers: WatchedContainer[] }
    >();
    for (const c of containers) {
      for (const rule of c.absenceRules) {
        if (rule.condition?.type !== 'absence') continue;
        const silentSince = Math.max(
          this.lastMatch.get(c.id)?.get(rule.id) ?? 0,
          c.watchingSince,
          c.started_at ?? 0,
        );
        if (rule.workload_id === null) {
          this.maybeFire(rule, absenceGroupKey(rule, c.id), silentSince, now, [c]);
          continue;
        }
        const id = stateId(rule.id, rule.workload_id);
        const group = workloads.get(id);
        if (!group) workloads.set(id, { rule, silentSince, containers: [c] });
        else {
          group.silentSince = Math.max(group.silentSince, silentSince);
          group.containers.push(c);
        }
      }
    }
    for (const { rule, silentSince, containers: members } of workloads.values())
      this.maybeFire(rule, `workload:${rule.workload_id}`, silentSince, now, members);
    return this.pending.length > before;
  }

  private maybeFire(
    rule: CompiledRule,
    key: string,
    silentSince: number,
    now: number,
    members: readonly WatchedContainer[],
  ): void {
    if (rule.condition?.type !== 'absence') return;
    const windowSeconds = rule.condition.window_seconds;
    if (now - silentSince < windowSeconds * 1000) return;
    const states = this.rule(rule.id);
    if (states.get(key)?.kind === 'absence') return;
    if (states.size >= MAX_COUNT_KEYS_PER_RULE) {
      this.counters.condition_keys_dropped++;
      return;
    }
    states.set(key, { kind: 'absence', signature: signatureOf(rule.condition), firedAt: now });
    this.markDirty(rule.id, key);
    this.counters.hits++;
    const one = members.length === 1 && rule.workload_id === null ? members[0]! : null;
    const where = one
      ? `container ${one.name}`
      : `workload ${rule.workload_id ?? ''} (${members.length} running container${members.length === 1 ? '' : 's'})`;
    this.pending.push({
      source: 'logscan',
      severity: rule.severity,
      message: `No line matching rule "${rule.name}" for ${windowSeconds} s in ${where}`,
      workload_id: one ? one.workload_id : rule.workload_id,
      container_id: one ? one.id : null,
      rule_id: rule.id,
      metadata: {
        workload_id: one ? one.workload_id : rule.workload_id,
        container_id: one ? one.id : null,
        container_name: one ? one.name : null,
        rule_id: rule.id,
        rule_name: rule.name,
        condition: 'absence',
        group_key: key,
        window_seconds: windowSeconds,
        silent_since: new Date(silentSince).toISOString(),
        containers: members.map((m) => m.name),
      },
    });
  }

  /**
   * Housekeeping, once a second or so: forgets count keys quiet for longer than their
   * window (and a minute), and the state of rules that are gone or changed condition.
   */
  sweep(rules: ReadonlyMap<number, CompiledRule>, now: number): void {
    for (const [ruleId, states] of this.states) {
      const rule = rules.get(ruleId);
      const signature = signatureOf(rule?.condition);
      for (const [key, state] of states) {
        const stale =
          !rule ||
          state.signature !== signature ||
          (state.kind === 'count' &&
            now - state.touchedAt > state.window.windowMs + FORGET_GRACE_MS);
        if (!stale) continue;
        states.delete(key);
        this.markDirty(ruleId, key);
      }
      if (states.size === 0) this.states.delete(ruleId);
    }
  }

  /**
   * Forgets fired absences of containers that no longer exist (removed: their line can
   * never come back to resolve them). `exists` answers for every container the index holds.
   */
  pruneAbsences(exists: (containerId: string) => boolean): void {
    for (const [ruleId, states] of this.states)
      for (const [key, state] of states) {
        if (state.kind !== 'absence' || !key.startsWith('container:')) continue;
        if (exists(key.slice('container:'.length))) continue;
        states.delete(key);
        this.markDirty(ruleId, key);
      }
  }

  /** A container's tail ended: its absence clocks go (a new tail starts them again). */
  forgetContainer(containerId: string): void {
    this.lastMatch.delete(containerId);
  }

  /** Everything to store now; give it back if the transaction fails. */
  take(): ConditionCommit {
    const out: ConditionCommit = { events: this.pending, upserts: [], deletes: [] };
    this.pending = [];
    for (const { rule_id, group_key } of this.dirty.values()) {
      const state = this.states.get(rule_id)?.get(group_key);
      if (state) out.upserts.push({ rule_id, group_key, state: serialize(state) });
      else out.deletes.push({ rule_id, group_key });
    }
    this.dirty.clear();
    return out;
  }

  /** The transaction failed: its events wait again, and its keys are written next time. */
  giveBack(commit: ConditionCommit): void {
    this.pending = commit.events.concat(this.pending);
    for (const row of [...commit.upserts, ...commit.deletes])
      this.markDirty(row.rule_id, row.group_key);
  }

  /** Number of group keys held (count windows and fired absences). */
  get keys(): number {
    let n = 0;
    for (const states of this.states.values()) n += states.size;
    return n;
  }

  private rule(id: number): Map<string, KeyState> {
    let states = this.states.get(id);
    if (!states) this.states.set(id, (states = new Map()));
    return states;
  }

  private markDirty(rule_id: number, group_key: string): void {
    this.dirty.set(stateId(rule_id, group_key), { rule_id, group_key });
  }
}

function serialize(state: KeyState): string {
  if (state.kind === 'absence')
    return JSON.stringify({ kind: 'absence', signature: state.signature, fired_at: state.firedAt });
  const marks: Record<string, string> = {};
  for (const [k, m] of state.marks) marks[k] = `${m.tsNanos}:${m.seen}`;
  return JSON.stringify({
    kind: 'count',
    signature: state.signature,
    threshold: state.window.threshold,
    window_ms: state.window.windowMs,
    times: state.window.toJSON(),
    marks,
    cooldown_until: state.cooldownUntil,
    suppressed: state.suppressed,
  });
}

/** The event of a rule hit on a line, as tail.ts makes it. */
function lineEvent(line: ConditionLine, match: RuleMatch): NewEvent {
  const { rule, captures } = match;
  return {
    source: 'logscan',
    severity: rule.severity,
    message: line.text,
    workload_id: line.workloadId,
    container_id: line.containerId,
    rule_id: rule.id,
    metadata: {
      workload_id: line.workloadId,
      container_id: line.containerId,
      container_name: line.containerName,
      rule_id: rule.id,
      rule_name: rule.name,
      stream: line.stream,
      captures,
      line_ts: line.timestamp,
      ...(line.truncated ? { truncated: true } : {}),
    },
  };
}

/** Stores a commit's state rows in `tx`. */
export async function writeConditionState(
  tx: Transaction<Database>,
  commit: ConditionCommit,
  now: number,
): Promise<void> {
  for (let i = 0; i < commit.upserts.length; i += 200) {
    const rows = commit.upserts.slice(i, i + 200).map((r) => ({ ...r, updated_at: now }));
    await tx
      .insertInto('rule_condition_state')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['rule_id', 'group_key']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  for (const row of commit.deletes)
    await tx
      .deleteFrom('rule_condition_state')
      .where('rule_id', '=', row.rule_id)
      .where('group_key', '=', row.group_key)
      .execute();
}

/** Every stored state row (read once, when the scanner starts). */
export async function loadConditionState(db: Kysely<Database>): Promise<StoredConditionState[]> {
  const rows = await db
    .selectFrom('rule_condition_state')
    .select(['rule_id', 'group_key', 'state'])
    .execute();
  return rows.map((r) => ({ rule_id: Number(r.rule_id), group_key: r.group_key, state: r.state }));
}
