import type { LogEvent } from '../api/types';

export const HOUR_MS = 3_600_000;
export const DAY_HOURS = 24;

export interface HitBuckets {
  /** Per container id: hits per hour over the last 24 h, oldest first. */
  byContainer: Map<string, number[]>;
  /** Per rule id: hits over the whole window. */
  byRule: Map<number, number>;
  /** Per container id: hits in the last hour. */
  lastHour: Map<string, number>;
  total: number;
}

/** Counts rule hits into hourly buckets ending at `now`; events outside the day are ignored. */
export function bucketHits(events: readonly LogEvent[], now: number): HitBuckets {
  const byContainer = new Map<string, number[]>();
  const byRule = new Map<number, number>();
  const lastHour = new Map<string, number>();
  let total = 0;
  for (const event of events) {
    const at = Date.parse(event.created_at);
    const age = now - at;
    if (!Number.isFinite(at) || age < 0 || age >= DAY_HOURS * HOUR_MS) continue;
    total += 1;
    if (event.rule_id !== null) byRule.set(event.rule_id, (byRule.get(event.rule_id) ?? 0) + 1);
    if (event.container_id === null) continue;
    let hours = byContainer.get(event.container_id);
    if (!hours) {
      hours = new Array<number>(DAY_HOURS).fill(0);
      byContainer.set(event.container_id, hours);
    }
    const slot = DAY_HOURS - 1 - Math.floor(age / HOUR_MS);
    hours[slot] = (hours[slot] ?? 0) + 1;
    if (age < HOUR_MS)
      lastHour.set(event.container_id, (lastHour.get(event.container_id) ?? 0) + 1);
  }
  return { byContainer, byRule, lastHour, total };
}
