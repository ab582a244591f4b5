import { AppError } from '../errors.js';
import {
  EVENT_SOURCES,
  isSeverity,
  type EventSource,
  type Severity,
  type StoredEvent,
} from '../events/model.js';
import { LOCAL_HOST, isHostId } from '../nats/subjects.js';
import { compilePattern, type CompiledPattern } from '../rules/index.js';
import { MAX_FILTER_ITEMS, type Trigger, type TriggerFilter } from './model.js';

const FIELDS = ['severities', 'sources', 'workloads', 'hosts', 'message_regex'] as const;

function list<T extends string>(
  value: unknown,
  field: string,
  accept: (v: unknown) => v is T,
  expected: string,
): T[] {
  if (!Array.isArray(value)) throw AppError.validation(field, 'must be a list');
  if (value.length > MAX_FILTER_ITEMS)
    throw AppError.validation(field, `must have at most ${MAX_FILTER_ITEMS} entries`);
  for (const item of value) {
    if (!accept(item)) throw AppError.validation(field, `${JSON.stringify(item)}: ${expected}`);
  }
  return [...new Set(value as T[])];
}

const isSource = (v: unknown): v is EventSource =>
  typeof v === 'string' && (EVENT_SOURCES as readonly string[]).includes(v);
const isWorkloadId = (v: unknown): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.length <= 200;
const isHostFilter = (v: unknown): v is string =>
  typeof v === 'string' && (v === LOCAL_HOST || isHostId(v));

/**
 * Reads the filter fields sent over `base` (the stored filter, or the empty one on
 * create): the parts not sent are kept. The regex is compiled here so a bad one is
 * refused with RE2's reason.
 */
export function parseFilter(input: unknown, base: TriggerFilter): TriggerFilter {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw AppError.validation('filter', 'must be an object');
  const sent = input as Record<string, unknown>;
  for (const key of Object.keys(sent)) {
    if (!(FIELDS as readonly string[]).includes(key))
      throw AppError.validation(`filter.${key}`, 'is not a filter field');
  }
  const out: TriggerFilter = { ...base };
  if (sent.severities !== undefined)
    out.severities = list<Severity>(
      sent.severities,
      'filter.severities',
      isSeverity,
      'must be info, warn, error or critical',
    );
  if (sent.sources !== undefined)
    out.sources = list(
      sent.sources,
      'filter.sources',
      isSource,
      `must be one of ${EVENT_SOURCES.join(', ')}`,
    );
  if (sent.workloads !== undefined)
    out.workloads = list(sent.workloads, 'filter.workloads', isWorkloadId, 'must be a workload id');
  if (sent.hosts !== undefined)
    out.hosts = list(
      sent.hosts,
      'filter.hosts',
      isHostFilter,
      `must be a host id (lowercase letters, digits, - and _) or ${LOCAL_HOST}`,
    );
  if (sent.message_regex !== undefined) {
    const regex = sent.message_regex ?? '';
    if (typeof regex !== 'string')
      throw AppError.validation('filter.message_regex', 'must be a string');
    if (regex !== '') {
      const compiled = compilePattern(regex);
      if (!compiled.ok) throw AppError.validation('filter.message_regex', compiled.error);
    }
    out.message_regex = regex;
  }
  return out;
}

/** True when every non-empty part of the filter accepts the event. */
export function filterAccepts(
  filter: TriggerFilter,
  pattern: CompiledPattern | null,
  event: StoredEvent,
): boolean {
  if (filter.severities.length > 0 && !filter.severities.includes(event.severity)) return false;
  if (filter.sources.length > 0 && !filter.sources.includes(event.source)) return false;
  if (
    filter.workloads.length > 0 &&
    (event.workload_id === null || !filter.workloads.includes(event.workload_id))
  )
    return false;
  if (filter.hosts.length > 0 && !filter.hosts.includes(event.host_id ?? LOCAL_HOST)) return false;
  if (pattern && !pattern.re.test(event.message)) return false;
  return true;
}

/**
 * Compiled message regexes, one per trigger version: a trigger that did not change
 * keeps its compiled pattern across reloads.
 */
export class PatternCache {
  private readonly entries = new Map<
    number,
    { version: string; pattern: CompiledPattern | null }
  >();
  compiles = 0;

  /** Null for an empty regex, or one that no longer compiles (it then matches nothing). */
  patternFor(trigger: Trigger): CompiledPattern | null | 'invalid' {
    const version = `${trigger.updated_at}\0${trigger.filter.message_regex}`;
    const cached = this.entries.get(trigger.id);
    if (cached?.version === version) return cached.pattern ?? this.emptyOrInvalid(trigger);
    let pattern: CompiledPattern | null = null;
    if (trigger.filter.message_regex !== '') {
      this.compiles++;
      const compiled = compilePattern(trigger.filter.message_regex);
      pattern = compiled.ok ? compiled.pattern : null;
    }
    this.entries.set(trigger.id, { version, pattern });
    return pattern ?? this.emptyOrInvalid(trigger);
  }

  private emptyOrInvalid(trigger: Trigger): null | 'invalid' {
    return trigger.filter.message_regex === '' ? null : 'invalid';
  }

  /** Forgets the triggers not in `ids` (deleted or disabled). */
  retain(ids: ReadonlySet<number>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }
}

/** The enabled triggers with their compiled filters: which of them want an event. */
export class TriggerMatcher {
  private constructor(
    private readonly entries: readonly { trigger: Trigger; pattern: CompiledPattern | null }[],
  ) {}

  static build(triggers: readonly Trigger[], cache: PatternCache): TriggerMatcher {
    const entries: { trigger: Trigger; pattern: CompiledPattern | null }[] = [];
    for (const trigger of triggers) {
      if (!trigger.enabled) continue;
      const pattern = cache.patternFor(trigger);
      if (pattern === 'invalid') continue;
      entries.push({ trigger, pattern });
    }
    cache.retain(new Set(entries.map((e) => e.trigger.id)));
    return new TriggerMatcher(entries);
  }

  static empty(): TriggerMatcher {
    return new TriggerMatcher([]);
  }

  get size(): number {
    return this.entries.length;
  }

  match(event: StoredEvent): Trigger[] {
    return this.entries
      .filter((e) => filterAccepts(e.trigger.filter, e.pattern, event))
      .map((e) => e.trigger);
  }
}
