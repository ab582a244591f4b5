import type { RuleMatch } from '../rules/index.js';
import { TokenBucket } from './token-bucket.js';

export interface ScanEngineOptions {
  ratePerSecond: number;
  burst: number;
}

export interface ScanCounters {
  lines_scanned: number;
  bytes_scanned: number;
  hits: number;
  cooldown_drops: number;
  rate_drops: number;
  truncated_lines: number;
  corrupt_streams: number;
  reconnects: number;
  /** Estimated lines Docker rotated away before a tail read them (see tail.ts). */
  lines_possibly_lost: number;
  /** Lines Docker sent twice in one connection (same timestamp, same bytes), skipped. */
  repeated_lines: number;
  /** Containers whose log could not be read (log driver, cursors unreadable). */
  unreadable_containers: number;
  /** Tails found silent while Docker had newer lines, and re-attached. */
  stalls: number;
  /** Lines Docker's follower skipped (rotated files) that were read again. */
  lines_recovered: number;
  /** Matches of count rules (and absences) dropped: their rule had too many group keys. */
  condition_keys_dropped: number;
}

/** A match that passed cooldown and rate limit, with what was held back before it. */
export interface Hit {
  match: RuleMatch;
  /** Matches of this rule in this container dropped by the cooldown since the last hit. */
  suppressed: number;
}

interface ContainerState {
  bucket: TokenBucket;
  /** Per rule id: when its cooldown ends, and how many matches it swallowed. */
  cooldowns: Map<number, { until: number; suppressed: number }>;
}

/**
 * Decides which matches become events: after a hit, the same rule in the same
 * container is silent for its cooldown; each container has a token bucket of hits.
 * Both drops are counted. Synchronous and lock-free: tails call it per line.
 */
export class ScanEngine {
  readonly counters: ScanCounters = {
    lines_scanned: 0,
    bytes_scanned: 0,
    hits: 0,
    cooldown_drops: 0,
    rate_drops: 0,
    truncated_lines: 0,
    corrupt_streams: 0,
    reconnects: 0,
    lines_possibly_lost: 0,
    repeated_lines: 0,
    unreadable_containers: 0,
    stalls: 0,
    lines_recovered: 0,
    condition_keys_dropped: 0,
  };
  private readonly containers = new Map<string, ContainerState>();

  constructor(private readonly options: ScanEngineOptions) {}

  /** Counts the line and filters its matches into hits. */
  scan(
    containerId: string,
    bytes: number,
    truncated: boolean,
    matches: RuleMatch[],
    now: number,
  ): Hit[] {
    this.counters.lines_scanned++;
    this.counters.bytes_scanned += bytes;
    if (truncated) this.counters.truncated_lines++;
    if (matches.length === 0) return [];
    const state = this.state(containerId, now);
    const hits: Hit[] = [];
    for (const match of matches) {
      const cooldown = state.cooldowns.get(match.rule.id);
      if (cooldown && now < cooldown.until) {
        cooldown.suppressed++;
        this.counters.cooldown_drops++;
        continue;
      }
      if (!state.bucket.take(now)) {
        this.counters.rate_drops++;
        continue;
      }
      const suppressed = cooldown?.suppressed ?? 0;
      state.cooldowns.set(match.rule.id, {
        until: now + match.rule.cooldown_seconds * 1000,
        suppressed: 0,
      });
      this.counters.hits++;
      hits.push({ match, suppressed });
    }
    return hits;
  }

  /** A tail stopped: its container's cooldowns and bucket go with it. */
  forget(containerId: string): void {
    this.containers.delete(containerId);
  }

  get trackedContainers(): number {
    return this.containers.size;
  }

  private state(containerId: string, now: number): ContainerState {
    let state = this.containers.get(containerId);
    if (!state) {
      state = {
        bucket: new TokenBucket(this.options.ratePerSecond, this.options.burst, now),
        cooldowns: new Map(),
      };
      this.containers.set(containerId, state);
    }
    return state;
  }
}
