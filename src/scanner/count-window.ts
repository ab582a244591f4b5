/**
 * The last `threshold` match times of one group key, in a ring: adding one is O(1), and
 * the condition holds when the oldest of them lies within the window of the newest.
 * After it held (a fire), the ring is emptied: the next fire needs `threshold` new
 * matches, so a steady flood fires once per `threshold` matches at most (and the
 * rule's cooldown thins the fires further).
 *
 * Times arrive in order from one stream, but a key fed by several tails (a workload, a
 * capture seen in several containers) may get an older time after newer ones (a tail
 * catching up). While such a time is among the last `threshold`, the ring's oldest slot
 * is not its earliest time: the span is then taken over the whole ring (O(threshold),
 * only until the out-of-order time has left it).
 */
export class CountWindow {
  private readonly times: number[];
  private next = 0;
  private size = 0;
  /** Adds until no time in the ring arrived before an earlier-added, later time. */
  private unordered = 0;

  constructor(
    readonly threshold: number,
    /** Milliseconds. */
    readonly windowMs: number,
    /** Oldest first, as toJSON() gives them; only the newest `threshold` are kept. */
    times: readonly number[] = [],
  ) {
    this.times = new Array<number>(threshold).fill(0);
    for (const t of times.slice(-threshold)) this.push(t);
  }

  get count(): number {
    return this.size;
  }

  /** The newest match time, or null when empty. */
  get newest(): number | null {
    if (this.size === 0) return null;
    return this.times[(this.next - 1 + this.threshold) % this.threshold]!;
  }

  /** Adds a match at `t` (ms); true when it completes `threshold` matches within the window. */
  add(t: number): boolean {
    this.push(t);
    if (this.size < this.threshold) return false;
    if (this.unordered > 0) {
      let min = t;
      let max = t;
      for (const x of this.times) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      if (max - min > this.windowMs) return false;
    } else {
      // Full and in order: the slot to be written next holds the oldest of the last `threshold`.
      const oldest = this.times[this.next]!;
      if (t - oldest > this.windowMs) return false;
    }
    this.size = 0;
    this.next = 0;
    this.unordered = 0;
    return true;
  }

  /** Oldest first. */
  toJSON(): number[] {
    const out: number[] = [];
    for (let i = this.size; i > 0; i--)
      out.push(this.times[(this.next - i + this.threshold) % this.threshold]!);
    return out;
  }

  private push(t: number): void {
    const newest = this.newest;
    if (newest !== null && t < newest) this.unordered = this.threshold;
    else if (this.unordered > 0) this.unordered--;
    this.times[this.next] = t;
    this.next = (this.next + 1) % this.threshold;
    if (this.size < this.threshold) this.size++;
  }
}
