import type { Logger } from 'pino';
import type { Severity } from '../events/model.js';
import {
  compilePattern,
  execCaptures,
  newRe2Set,
  type CompiledPattern,
  type Re2Set,
} from './compile.js';
import { LiteralScanner } from './literal-scanner.js';
import {
  MAX_ENABLED_RULES,
  RULE_SCOPES,
  RULE_SEVERITIES,
  RULE_STREAMS,
  keepsContext,
  resolveEffective,
  sourceOf,
  type EffectiveSource,
  type Rule,
  type RuleCondition,
  type RuleContext,
} from './model.js';
import { groupCapture } from './condition.js';
import { requiredLiterals, type RequiredLiteral } from './required-literals.js';

export type { RuleStream } from './model.js';
import type { RuleStream } from './model.js';

/** A rule as the scanner sees it: immutable, shared by every matcher of a snapshot. */
export interface CompiledRule {
  id: number;
  name: string;
  severity: Severity;
  stream: RuleStream;
  cooldown_seconds: number;
  workload_id: string | null;
  /** Set on rules built by this module; optional so that fakes need not. */
  pattern?: string;
  source?: EffectiveSource;
  overrides_rule_id?: number | null;
  /** Absent means `line`: every match is a hit (fakes need not set it). */
  condition?: RuleCondition;
  /** The lines its hits keep around them; none when absent (fakes). */
  context?: RuleContext;
}

/**
 * What the rules of one matcher keep around their hits, at most: how many recent lines
 * a tail must remember (`before`), and whether any keeps something (else null).
 */
export interface ContextNeeds {
  before: number;
}

/** Captures: named groups by name, unnamed as `$1`, `$2`…; groups that did not take part are omitted. */
export interface RuleMatch {
  rule: CompiledRule;
  captures: Record<string, string>;
}

export interface RuleMatcher {
  /** How many rules this matcher holds (for either stream). */
  readonly size: number;
  /** What its rules keep around their hits; null or absent when none keeps anything. */
  readonly context?: ContextNeeds | null;
  /**
   * Every rule for this stream that matches the line, by rule id. Never throws. The
   * empty result is one shared frozen array: callers read the result, never modify it.
   */
  match(line: Buffer, stream: 'stdout' | 'stderr'): RuleMatch[];
  /** The effective rules with an absence condition (watched per container). */
  readonly absenceRules?: readonly CompiledRule[];
}

export interface CompileError {
  rule_id: number;
  name: string;
  error: string;
}

export interface RuleSnapshot {
  /** 0 for the empty snapshot before the first load; +1 on every reload. */
  readonly version: number;
  /** The matcher for a workload's containers; null (no workload) gets the globals. */
  matcherFor(workloadId: string | null): RuleMatcher;
  /** Enabled rules left out of this snapshot, and why. */
  readonly compileErrors: readonly CompileError[];
  /** Rules compiled into this snapshot. */
  readonly ruleCount: number;
  /** Distinct effective rule sets (matchers) in this snapshot. */
  readonly matcherCount?: number;
  /** Times an RE2.Set failed at match time (out of memory) and rules were run one by one. */
  readonly setFallbacks?: number;
  /** Milliseconds since the epoch. */
  readonly builtAt?: number;
  /** The rules in this snapshot with a count or absence condition, by id. */
  readonly conditionRules?: ReadonlyMap<number, CompiledRule>;
}

/** Where the holder reads rule rows from (the repository). */
export interface RuleRows {
  list(): Promise<Rule[]>;
}

interface Entry {
  rule: CompiledRule;
  pattern: CompiledPattern;
  /** Literals of which every match contains one (see required-literals.ts), or null. */
  literals: readonly RequiredLiteral[] | null;
}

/** Compiled patterns, sets and scanners from the previous snapshot, reused when unchanged. */
interface CompileCache {
  patterns: Map<string, CompiledPattern>;
  sets: Map<string, Re2Set | null>;
  scanners: Map<string, LiteralScanner>;
}

interface Counters {
  setFallbacks: number;
}

/** What match() returns for the many lines that match nothing: shared, so never modified. */
const NO_MATCHES = Object.freeze([]) as readonly RuleMatch[] as RuleMatch[];

/**
 * The rules for one stream of one effective rule set. With two or more rules an RE2.Set
 * runs over the line once and reports which rules match; only those run on their own,
 * and only when they have groups to capture. When every rule has required literals, a
 * scan for them comes first and most lines never reach RE2: on a log line, the call into
 * RE2 costs more than the scan. A rule without literals means a call into RE2 on every
 * line anyway, and the scan on top of it would cost more than it saves.
 */
class StreamMatcher {
  constructor(
    private readonly entries: readonly Entry[],
    private readonly set: Re2Set | null,
    private readonly counters: Counters,
    private readonly prefilter: LiteralScanner | null = null,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  match(line: Buffer): RuleMatch[] {
    if (this.prefilter !== null && !this.prefilter.test(line)) return NO_MATCHES;
    return this.matchAll(line);
  }

  private matchAll(line: Buffer): RuleMatch[] {
    const entries = this.entries;
    if (entries.length === 0) return NO_MATCHES;
    if (entries.length === 1) {
      const one = this.confirm(entries[0]!, line, false);
      return one ? [one] : NO_MATCHES;
    }
    let hits: number[] | null = null;
    if (this.set) {
      try {
        // Most lines match nothing: test() answers that without building an array.
        if (!this.set.test(line)) return NO_MATCHES;
        hits = this.set.match(line);
      } catch {
        // RE2.Set out of memory on this line: run each rule on its own instead.
        this.counters.setFallbacks++;
      }
    }
    const out: RuleMatch[] = [];
    if (hits) {
      for (const index of hits) {
        const entry = entries[index];
        if (!entry) continue;
        const hit = this.confirm(entry, line, true);
        if (hit) out.push(hit);
      }
    } else {
      for (const entry of entries) {
        const hit = this.confirm(entry, line, false);
        if (hit) out.push(hit);
      }
    }
    return out.length > 0 ? out : NO_MATCHES;
  }

  /** Runs one rule; `known` means the set already said it matches. */
  private confirm(entry: Entry, line: Buffer, known: boolean): RuleMatch | null {
    try {
      if (entry.pattern.groups === 0) {
        return known || entry.pattern.re.test(line) ? { rule: entry.rule, captures: {} } : null;
      }
      const captures = execCaptures(entry.pattern, line);
      return captures ? { rule: entry.rule, captures } : null;
    } catch {
      return null;
    }
  }
}

class EffectiveMatcher implements RuleMatcher {
  constructor(
    readonly size: number,
    private readonly stdout: StreamMatcher,
    private readonly stderr: StreamMatcher,
    readonly absenceRules: readonly CompiledRule[] = [],
    readonly context: ContextNeeds | null = null,
  ) {}

  match(line: Buffer, stream: 'stdout' | 'stderr'): RuleMatch[] {
    return (stream === 'stderr' ? this.stderr : this.stdout).match(line);
  }
}

/**
 * The most any of these rules keeps before a hit; null when none keeps anything. Only
 * rules that fire on a line keep lines around their hits: a count or absence fire is
 * about many lines (or none).
 */
export function contextNeeds(rules: readonly CompiledRule[]): ContextNeeds | null {
  let before = 0;
  let any = false;
  for (const rule of rules) {
    if (rule.condition && rule.condition.type !== 'line') continue;
    if (!rule.context || !keepsContext(rule.context)) continue;
    any = true;
    before = Math.max(before, rule.context.before);
  }
  return any ? { before } : null;
}

function setKey(entries: readonly Entry[]): string {
  return JSON.stringify(entries.map((e) => e.pattern.source));
}

const isOneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

/** What a row needs to go into a snapshot besides a compiling pattern. */
function rowProblem(row: Rule): string | null {
  if (!isOneOf(RULE_SEVERITIES, row.severity)) return `unknown severity ${String(row.severity)}`;
  if (!isOneOf(RULE_STREAMS, row.stream)) return `unknown stream ${String(row.stream)}`;
  if (!isOneOf(RULE_SCOPES, row.scope)) return `unknown scope ${String(row.scope)}`;
  if (row.scope === 'workload' && !row.workload_id) return 'workload rule without workload_id';
  return null;
}

/** A condition the compiled pattern cannot serve (a stored row the service did not write). */
function conditionProblem(condition: RuleCondition, pattern: CompiledPattern): string | null {
  const name = groupCapture(condition);
  if (name !== null && !pattern.groupNames.includes(name))
    return `condition.group_by: the pattern has no named group "${name}"`;
  return null;
}

class Snapshot implements RuleSnapshot {
  constructor(
    readonly version: number,
    readonly compileErrors: readonly CompileError[],
    readonly ruleCount: number,
    private readonly globals: RuleMatcher,
    private readonly byWorkload: ReadonlyMap<string, RuleMatcher>,
    readonly matcherCount: number,
    private readonly counters: Counters,
    readonly builtAt: number,
    readonly conditionRules: ReadonlyMap<number, CompiledRule>,
  ) {}

  matcherFor(workloadId: string | null): RuleMatcher {
    if (workloadId === null) return this.globals;
    return this.byWorkload.get(workloadId) ?? this.globals;
  }

  get setFallbacks(): number {
    return this.counters.setFallbacks;
  }
}

export interface BuildResult {
  snapshot: RuleSnapshot;
  cache: CompileCache;
}

/**
 * Compiles every enabled rule once and builds one matcher per distinct effective rule
 * set: one for the globals (containers without a workload, and workloads without rules
 * of their own) and one per workload that has rules, shared by workloads whose effective
 * set is the same. Rules that fail to compile are left out and listed in compileErrors;
 * a failed override still removes its global for its workload.
 */
export function buildSnapshot(
  rows: readonly Rule[],
  version: number,
  previous?: CompileCache,
  now: number = Date.now(),
): BuildResult {
  const cache: CompileCache = { patterns: new Map(), sets: new Map(), scanners: new Map() };
  const counters: Counters = { setFallbacks: 0 };
  const compileErrors: CompileError[] = [];
  const entries = new Map<number, Entry>();
  const conditionRules = new Map<number, CompiledRule>();
  const sorted = [...rows].sort((a, b) => a.id - b.id);

  let enabled = 0;
  for (const row of sorted) {
    if (!row.enabled) continue;
    enabled++;
    const fail = (error: string) => compileErrors.push({ rule_id: row.id, name: row.name, error });
    if (enabled > MAX_ENABLED_RULES) {
      fail(`over the limit of ${MAX_ENABLED_RULES} enabled rules`);
      continue;
    }
    const problem = rowProblem(row);
    if (problem) {
      fail(problem);
      continue;
    }
    let pattern = cache.patterns.get(row.pattern) ?? previous?.patterns.get(row.pattern);
    if (!pattern) {
      const result = compilePattern(row.pattern);
      if (!result.ok) {
        fail(result.error);
        continue;
      }
      pattern = result.pattern;
    }
    cache.patterns.set(row.pattern, pattern);
    const condition = row.condition ?? { type: 'line' };
    const conditionError = conditionProblem(condition, pattern);
    if (conditionError) {
      fail(conditionError);
      continue;
    }
    const rule: CompiledRule = Object.freeze({
      id: row.id,
      name: row.name,
      severity: row.severity,
      stream: row.stream,
      cooldown_seconds: row.cooldown_seconds,
      workload_id: row.workload_id,
      pattern: row.pattern,
      source: sourceOf(row),
      overrides_rule_id: row.overrides_rule_id,
      condition,
      ...(row.context ? { context: Object.freeze({ ...row.context }) } : {}),
    });
    if (condition.type !== 'line') conditionRules.set(row.id, rule);
    const literals = requiredLiterals(pattern.re.internalSource);
    entries.set(row.id, { rule, pattern, literals });
  }

  const setOf = (list: Entry[]): Re2Set | null => {
    if (list.length < 2) return null;
    const key = setKey(list);
    let set: Re2Set | null;
    if (cache.sets.has(key)) set = cache.sets.get(key) ?? null;
    else if (previous?.sets.has(key)) set = previous.sets.get(key) ?? null;
    else {
      try {
        set = newRe2Set(list.map((e) => e.pattern.source));
      } catch {
        set = null; // too big for one automaton: the rules run one by one
      }
    }
    cache.sets.set(key, set);
    return set;
  };

  const scannerOf = (literals: RequiredLiteral[]): LiteralScanner => {
    const key = JSON.stringify(literals);
    const scanner =
      cache.scanners.get(key) ?? previous?.scanners.get(key) ?? LiteralScanner.of(literals);
    cache.scanners.set(key, scanner);
    return scanner;
  };

  const streamMatcher = (list: Entry[]): StreamMatcher => {
    const set = setOf(list);
    if (list.length === 0 || !list.every((e) => e.literals !== null))
      return new StreamMatcher(list, set, counters);
    return new StreamMatcher(list, set, counters, scannerOf(list.flatMap((e) => e.literals!)));
  };

  const matchers = new Map<string, RuleMatcher>();
  const matcherOf = (workloadId: string | null): RuleMatcher => {
    const effective = resolveEffective(sorted, workloadId)
      .map((r) => entries.get(r.id))
      .filter((e): e is Entry => e !== undefined);
    const key = effective.map((e) => e.rule.id).join(',');
    let matcher = matchers.get(key);
    if (!matcher) {
      matcher = new EffectiveMatcher(
        effective.length,
        streamMatcher(effective.filter((e) => e.rule.stream !== 'stderr')),
        streamMatcher(effective.filter((e) => e.rule.stream !== 'stdout')),
        effective.filter((e) => e.rule.condition?.type === 'absence').map((e) => e.rule),
        contextNeeds(effective.map((e) => e.rule)),
      );
      matchers.set(key, matcher);
    }
    return matcher;
  };

  const globals = matcherOf(null);
  const byWorkload = new Map<string, RuleMatcher>();
  for (const row of sorted) {
    if (row.scope !== 'workload' || !row.workload_id || byWorkload.has(row.workload_id)) continue;
    byWorkload.set(row.workload_id, matcherOf(row.workload_id));
  }

  const snapshot = new Snapshot(
    version,
    Object.freeze(compileErrors),
    entries.size,
    globals,
    byWorkload,
    matchers.size,
    counters,
    now,
    conditionRules,
  );
  return { snapshot, cache };
}

/** A matcher for one pattern on both streams (the CLI and POST /api/rules/test). */
export function singleRuleMatcher(pattern: CompiledPattern, rule?: Partial<CompiledRule>) {
  const compiled: CompiledRule = {
    id: 0,
    name: pattern.source,
    severity: 'warn',
    stream: 'both',
    cooldown_seconds: 0,
    workload_id: null,
    pattern: pattern.source,
    source: 'global',
    overrides_rule_id: null,
    ...rule,
  };
  const stream = new StreamMatcher([{ rule: compiled, pattern, literals: null }], null, {
    setFallbacks: 0,
  });
  return new EffectiveMatcher(1, stream, stream);
}

/**
 * Holds the current snapshot. Every rule change calls reload(), which rebuilds the
 * snapshot once and swaps it in; tails call current() per line and never wait. Reloads
 * asked for while one runs are folded into one more, so each caller gets a snapshot
 * that includes the database as it was when it asked.
 */
export class RuleSnapshotHolder {
  private snapshot: RuleSnapshot;
  private cache: CompileCache | undefined;
  private version = 0;
  private running: Promise<RuleSnapshot> | null = null;
  private queued: Promise<RuleSnapshot> | null = null;
  private readonly listeners = new Set<(s: RuleSnapshot) => void>();

  constructor(
    private readonly rows: RuleRows,
    private readonly options: { log?: Logger; now?: () => number } = {},
  ) {
    this.snapshot = buildSnapshot([], 0, undefined, this.now()).snapshot;
  }

  current(): RuleSnapshot {
    return this.snapshot;
  }

  reload(): Promise<RuleSnapshot> {
    if (!this.running) {
      this.running = this.build().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    if (!this.queued) {
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = null;
          return this.reload();
        });
    }
    return this.queued;
  }

  /** Called after each swap; returns the unsubscribe function. */
  onReload(listener: (s: RuleSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private async build(): Promise<RuleSnapshot> {
    const rows = await this.rows.list();
    const { snapshot, cache } = buildSnapshot(rows, this.version + 1, this.cache, this.now());
    this.version = snapshot.version;
    this.cache = cache;
    this.snapshot = snapshot;
    const log = this.options.log;
    for (const e of snapshot.compileErrors)
      log?.warn(
        { rule_id: e.rule_id, rule: e.name, error: e.error },
        'rule left out of the snapshot',
      );
    log?.info(
      { version: snapshot.version, rules: snapshot.ruleCount, matchers: snapshot.matcherCount },
      'rules reloaded',
    );
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (err) {
        log?.error({ err }, 'rule reload listener failed');
      }
    }
    return snapshot;
  }
}
