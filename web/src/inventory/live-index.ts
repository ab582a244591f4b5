import type { Container, InventoryChange, InventorySnapshot } from '../api/types';

/** The containers index as the live inventory stream has told it so far. */
export interface LiveIndex {
  containers: ReadonlyMap<string, Container>;
  /** How long a gone container stays listed (ui.gone_containers_hide_after_seconds). */
  goneHideAfterMs: number;
}

/** What the stream says, in the order it said it: a snapshot replaces everything. */
export type InventoryMessage =
  { kind: 'snapshot'; snapshot: InventorySnapshot } | { kind: 'change'; change: InventoryChange };

export function applyMessages(
  index: LiveIndex | null,
  messages: readonly InventoryMessage[],
): LiveIndex | null {
  let out = index;
  let containers: Map<string, Container> | null = null;
  for (const message of messages) {
    if (message.kind === 'snapshot') {
      containers = new Map(message.snapshot.items.map((c) => [c.id, c]));
      out = {
        containers,
        goneHideAfterMs: message.snapshot.gone_hide_after_seconds * 1000,
      };
      continue;
    }
    // Changes before the first snapshot cannot happen on one connection; ignore them.
    if (!out) continue;
    containers ??= new Map(out.containers);
    containers.set(message.change.container.id, message.change.container);
    out = { ...out, containers };
  }
  return out;
}

/** When a gone container folds away: the last time it was seen plus the setting. */
function foldsAt(c: Container, hideAfterMs: number): number | null {
  if (c.state !== 'missing') return null;
  const seen = Date.parse(c.last_seen_at);
  return Number.isNaN(seen) ? 0 : seen + hideAfterMs;
}

export function isFolded(c: Container, now: number, hideAfterMs: number): boolean {
  const at = foldsAt(c, hideAfterMs);
  return at !== null && at <= now;
}

/** The next moment a gone container still listed folds away, or null when none will. */
export function nextFold(
  containers: Iterable<Container>,
  now: number,
  hideAfterMs: number,
): number | null {
  let next: number | null = null;
  for (const c of containers) {
    const at = foldsAt(c, hideAfterMs);
    if (at !== null && at > now && (next === null || at < next)) next = at;
  }
  return next;
}

/** Pickers' order: running first, then the rest that Docker still has, then the gone; by name. */
export function runningFirst<T extends Pick<Container, 'state' | 'name'>>(
  containers: readonly T[],
): T[] {
  const rank = (c: T) => (c.state === 'running' ? 0 : c.state === 'missing' ? 2 : 1);
  return [...containers].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
