import type { Trigger } from './model.js';
import { credentialsOf } from './redact.js';

/** Told by the service whenever a trigger's credentials may have changed. */
export interface CredentialRegistry {
  remember(trigger: Trigger): void;
  forget(id: number): void;
}

/** Replaced and deleted credentials kept known, at most this many, oldest dropped first. */
const MAX_RETIRED = 1000;

/**
 * Every credential the triggers hold, in memory, so that the operations journal (whose
 * known-secrets source is synchronous) can refuse to write one even by accident.
 * Loaded at start, then kept current by the service. A replaced or deleted value stays
 * known for a while: the journal entry about that very change comes after it.
 */
export class KnownCredentials implements CredentialRegistry {
  private readonly byTrigger = new Map<number, string[]>();
  private readonly retired = new Set<string>();
  private flat: string[] | null = null;

  constructor(private readonly source: { list(): Promise<Trigger[]> }) {}

  /** Reads every trigger, enabled or not; call at start, after the migrations. */
  async load(): Promise<void> {
    for (const trigger of await this.source.list()) this.remember(trigger);
  }

  remember(trigger: Trigger): void {
    this.retire(trigger.id);
    this.byTrigger.set(trigger.id, credentialsOf(trigger));
  }

  forget(id: number): void {
    this.retire(id);
    this.byTrigger.delete(id);
  }

  /** The values to keep out; the same array until something changes. */
  values(): readonly string[] {
    this.flat ??= [...new Set([...this.byTrigger.values()].flat().concat([...this.retired]))];
    return this.flat;
  }

  private retire(id: number): void {
    this.flat = null;
    for (const value of this.byTrigger.get(id) ?? []) {
      this.retired.delete(value);
      this.retired.add(value);
    }
    for (const oldest of this.retired) {
      if (this.retired.size <= MAX_RETIRED) break;
      this.retired.delete(oldest);
    }
  }
}
