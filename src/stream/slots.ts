/**
 * Counts what is open per key and refuses more than `limit` for one key: how the live
 * streams bound what one user (or everyone together, under a single key) can make the
 * server hold.
 */
export class Slots {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`a slot limit must be a positive integer, got ${limit}`);
  }

  /** Takes a slot of `key`: its release (idempotent), or null when `limit` are taken. */
  tryAcquire(key = ''): (() => void) | null {
    const held = this.open.get(key) ?? 0;
    if (held >= this.limit) return null;
    this.open.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  held(key = ''): number {
    return this.open.get(key) ?? 0;
  }
}
