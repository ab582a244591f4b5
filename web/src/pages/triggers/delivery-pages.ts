import type { Delivery } from '../../api/triggers';

/** Newest first, without repeats: where both have a delivery, `a`'s (the fresher) wins. */
export function mergeDeliveries(a: readonly Delivery[], b: readonly Delivery[]): Delivery[] {
  const byId = new Map<number, Delivery>();
  for (const d of b) byId.set(d.id, d);
  for (const d of a) byId.set(d.id, d);
  return [...byId.values()].sort((x, y) => y.id - x.id);
}

/**
 * The newest page read again over what was shown: within the page's range it replaces
 * what was there (a delivery that left the status filtered on goes); older pages stay.
 */
export function refreshNewest(
  shown: readonly Delivery[],
  page: { items: readonly Delivery[]; next: number | null },
): Delivery[] {
  if (page.next === null) return [...page.items];
  const floor = Math.min(...page.items.map((d) => d.id));
  return mergeDeliveries(
    page.items,
    shown.filter((d) => d.id < floor),
  );
}
