import type { ContainerRecord } from '../inventory/model.js';
import type { InventorySnapshot } from './messages.js';

/** A snapshot whose parts have all arrived. */
export interface CompleteSnapshot {
  host: string;
  snapshot: string;
  /** When the agent began sending it (its first part's sent_at): the observation's time. */
  observedAt: number;
  containers: ContainerRecord[];
}

export interface SnapshotAssemblerOptions {
  /** A snapshot still incomplete this long after its first part is dropped. */
  staleAfterMs?: number;
  /** Incomplete snapshots kept at once, at most (the oldest goes first). */
  maxPending?: number;
}

interface Pending {
  host: string;
  snapshot: string;
  parts: number;
  observedAt: number;
  firstSeenAt: number;
  received: Map<number, ContainerRecord[]>;
}

/**
 * Gathers the parts of each host's inventory snapshot in memory. One snapshot per host
 * is kept (the newest by its agent's clock): a newer one supersedes an unfinished older
 * one, and a part of an older one than is kept is dropped. A snapshot stays complete
 * (and held) until `done` says it was stored, so a failed commit finds it again when
 * its parts come back.
 */
export class SnapshotAssembler {
  private readonly byHost = new Map<string, Pending>();
  private readonly staleAfterMs: number;
  private readonly maxPending: number;
  /** Parts dropped: superseded, stale or beyond the bound. */
  dropped = 0;

  constructor(options: SnapshotAssemblerOptions = {}) {
    this.staleAfterMs = options.staleAfterMs ?? 120_000;
    this.maxPending = options.maxPending ?? 256;
  }

  get pending(): number {
    return this.byHost.size;
  }

  /** Adds a part; the whole snapshot when this completed it (or it was complete already). */
  add(part: InventorySnapshot, now: number): CompleteSnapshot | null {
    this.dropStale(now);
    let pending = this.byHost.get(part.host);
    if (pending && pending.snapshot !== part.snapshot) {
      if (part.sent_at < pending.observedAt) {
        this.dropped++;
        return null;
      }
      this.dropped += pending.received.size;
      this.byHost.delete(part.host);
      pending = undefined;
    }
    if (!pending) {
      pending = {
        host: part.host,
        snapshot: part.snapshot,
        parts: part.parts,
        observedAt: part.sent_at,
        firstSeenAt: now,
        received: new Map(),
      };
      this.byHost.set(part.host, pending);
      this.bound();
    }
    if (part.parts !== pending.parts) {
      this.dropped++;
      return null;
    }
    pending.observedAt = Math.min(pending.observedAt, part.sent_at);
    pending.received.set(part.part, part.containers);
    if (pending.received.size < pending.parts) return null;
    const containers: ContainerRecord[] = [];
    for (let i = 0; i < pending.parts; i++) containers.push(...pending.received.get(i)!);
    return {
      host: pending.host,
      snapshot: pending.snapshot,
      observedAt: pending.observedAt,
      containers,
    };
  }

  /** The snapshot was stored: forget it. */
  done(host: string, snapshot: string): void {
    if (this.byHost.get(host)?.snapshot === snapshot) this.byHost.delete(host);
  }

  private dropStale(now: number): void {
    for (const [host, pending] of this.byHost)
      if (now - pending.firstSeenAt > this.staleAfterMs) {
        this.dropped += pending.received.size;
        this.byHost.delete(host);
      }
  }

  private bound(): void {
    // A Map iterates in insertion order: the first is the oldest.
    while (this.byHost.size > this.maxPending) {
      const [host, pending] = this.byHost.entries().next().value as [string, Pending];
      this.dropped += pending.received.size;
      this.byHost.delete(host);
    }
  }
}
