import type { Severity } from '../events/model.js';
import { compilePattern, type Re2 } from '../rules/compile.js';
import type { Silence } from './silence-model.js';
import { globMatch, silencesAt } from './silence-validation.js';

/** What a silence reads of an event (a StoredEvent or a row about to be appended). */
export interface SilenceFacts {
  created_at: number;
  severity: Severity;
  message: string;
  metadata: Record<string, unknown>;
  workload_id: string | null;
  container_id: string | null;
  rule_id: number | null;
}

/** Names an event does not carry, looked up by the caller. */
export interface SilenceNames {
  workloadName: string | null;
  /** The host the event came from: metadata.host, else this server's. */
  host: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

interface CompiledSilence {
  silence: Silence;
  ruleIds: Set<number>;
  ruleNames: Set<string>;
  regex: Re2 | null;
}

function compile(silence: Silence): CompiledSilence {
  const { rules, message_regex } = silence.matchers;
  const compiled = message_regex === '' ? null : compilePattern(message_regex);
  return {
    silence,
    ruleIds: new Set(rules.filter((r): r is number => typeof r === 'number')),
    ruleNames: new Set(rules.filter((r): r is string => typeof r === 'string')),
    // Validated when stored; a pattern that no longer compiles matches nothing.
    regex: compiled === null ? null : compiled.ok ? compiled.pattern.re : NEVER,
  };
}

const NEVER = { test: () => false } as unknown as Re2;

function matches(c: CompiledSilence, event: SilenceFacts, names: SilenceNames): boolean {
  const m = c.silence.matchers;
  if (m.severities.length > 0 && !m.severities.includes(event.severity)) return false;
  if (m.rules.length > 0) {
    const name = text(event.metadata.rule_name);
    const byId = event.rule_id !== null && c.ruleIds.has(event.rule_id);
    if (!byId && !(name !== null && c.ruleNames.has(name))) return false;
  }
  if (m.containers.length > 0) {
    const name = text(event.metadata.container_name) ?? text(event.metadata.name);
    const candidates = [name, event.container_id].filter((n): n is string => n !== null);
    if (!m.containers.some((g) => candidates.some((n) => globMatch(g, n)))) return false;
  }
  if (m.workloads.length > 0) {
    const candidates = [event.workload_id, names.workloadName].filter(
      (n): n is string => n !== null,
    );
    if (!m.workloads.some((g) => candidates.some((n) => globMatch(g, n)))) return false;
  }
  if (m.hosts.length > 0 && !m.hosts.some((g) => globMatch(g, names.host))) return false;
  if (c.regex !== null && !c.regex.test(event.message)) return false;
  return true;
}

/**
 * The silences not yet expired, compiled once: rebuilt whenever one changes (like the
 * rule snapshot) and swapped whole, so matching an event is a walk over a few compiled
 * matchers and never touches the database.
 */
export class SilenceSnapshot {
  static readonly empty = new SilenceSnapshot([]);

  private readonly compiled: CompiledSilence[];

  constructor(silences: readonly Silence[]) {
    this.compiled = silences.map(compile);
  }

  get size(): number {
    return this.compiled.length;
  }

  /** Whether any silence needs the workload's name (a workload glob). */
  get readsWorkloadNames(): boolean {
    return this.compiled.some((c) => c.silence.matchers.workloads.length > 0);
  }

  /** The silence that silences this event at its time (the oldest, if several), or null. */
  match(event: SilenceFacts, names: SilenceNames): Silence | null {
    for (const c of this.compiled) {
      if (!silencesAt(c.silence, event.created_at)) continue;
      if (matches(c, event, names)) return c.silence;
    }
    return null;
  }
}
